import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { validateAllowedServers } from '../../provisioning/admin-server';
import type { PrismaTenantStore } from '../../registry/prisma-tenant.store';
import type { Tenant } from '../../store/tenant.interface';

/** Database-per-tenant provisioning: where databases are created and how tenants connect to them. */
export interface DatabaseProvisioningOptions {
  /**
   * A role allowed to CREATE DATABASE (and CREATE ROLE with `perTenantRole`),
   * on the server that will hold the tenants' databases; any database of it
   * (`postgres`). It must be able to give databases to the owner role
   * (superuser, or a member of the owner role). Default: none (required).
   */
  adminUrl: string;
  /**
   * The URL tenants' connections are modelled on: user, password, host, port
   * and parameters are kept and the database is replaced. Required unless
   * `perTenantRole`; with it, only its host, port and parameters are used.
   * Default: none (the admin URL's host and port).
   */
  appUrl?: string;
  /**
   * Give each tenant a login role of its own (named like its database) with a
   * random password, allowed to connect to its database only, instead of the
   * shared app role. The password reaches the server as a SCRAM verifier
   * only, and the registry as part of the (encrypted) URL. Default: `false`.
   */
  perTenantRole?: boolean;
  /** Database (and per-tenant role) name of a tenant. Default: `tenant_<id>`, as schema names. */
  naming?: (tenant: Tenant) => string;
  /**
   * Servers (`host:port`, `[ipv6]:port`, or `host` for port 5432) a tenant's
   * `databaseUrl` may name besides the admin URL's and the app URL's: other
   * addresses of the admin server (a DNS alias, a PgBouncer in front of it).
   * The server is read as pg reads the URL (`?host=` and `?port=` win). A
   * URL naming any other server, or setting `hostaddr` or `service`, is
   * refused with `TenantMisconfiguredError` before anything is done. Owner
   * and admin credentials never go to these servers: create, grant, migrate
   * and drop always connect to the admin URL's server, with the owner's or
   * admin's credentials and only the database name of the tenant URL.
   * Default: `[]`.
   */
  allowedServers?: readonly string[];
  /** Template of new databases. Default: `template0`. */
  template?: string;
  /**
   * Accept storing connection strings (with their passwords) in plaintext
   * when the store has no cipher. Default: `false`: give the store a cipher.
   */
  allowPlaintextUrls?: boolean;
}

/** Checks the provisioner's `database` slice, when given (without it, database tenants are refused). */
export function validateDatabaseProvisioning(
  database: DatabaseProvisioningOptions | undefined,
  common: { store: PrismaTenantStore },
): void {
  if (!database) return;
  if (typeof database.adminUrl !== 'string' || !database.adminUrl) {
    throw new TenancyConfigError('database.adminUrl', 'expected a connection string');
  }
  validateAllowedServers(database.allowedServers);
  if (!database.perTenantRole && !database.appUrl) {
    throw new TenancyConfigError('database.appUrl', 'required unless database.perTenantRole is on');
  }
  if (!common.store.encryptsUrls && !database.allowPlaintextUrls) {
    throw new TenancyConfigError(
      'database.allowPlaintextUrls',
      'the store has no cipher, so connection strings (with passwords) would be stored in plaintext; give the store a cipher',
    );
  }
}
