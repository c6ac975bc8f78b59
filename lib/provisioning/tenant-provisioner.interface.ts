import type { MigrateAllOptions, TenantMigration } from '../migrations/tenant-migration.interface';
import type { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { Tenant, TenancyStrategyName, TenantStatus } from '../store/tenant.interface';

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

/** Row-level security on the shared database, applied by `migrateShared()`. */
export interface RlsProvisioningOptions {
  /**
   * Tables to isolate with `rlsPolicySql()` after the migrations (dropped and
   * recreated each run, in one transaction). Leave empty when the migrations
   * carry their own policies. Default: `[]`.
   */
  tables?: readonly string[];
  /** Schema of the shared tables. Default: none (the owner connection's current schema). */
  schema?: string;
  /** Column holding the tenant id. Default: `tenant_id`. */
  tenantColumn?: string;
  /** Setting the policies read. Default: `app.tenant_id`. */
  setting?: string;
}

/** Options of `TenantProvisioner`. */
export interface TenantProvisionerOptions {
  /** The registry. Its cipher (if any) encrypts the database URLs provisioning generates. */
  store: PrismaTenantStore;
  /** The app's migrations, as `readMigrationsFolder()` returns them. */
  migrations: readonly TenantMigration[];
  /**
   * The role that owns tenant objects, on the shared database: it creates
   * tenant schemas, runs migrations and grants. Not the app role, and not
   * through PgBouncer in transaction pooling (migrations hold session locks).
   */
  ownerUrl: string;
  /**
   * The role the application connects as, granted USAGE on tenant schemas and
   * SELECT/INSERT/UPDATE/DELETE on their tables. Required for the schema
   * strategy. Default: none.
   */
  appRole?: string;
  /** Strategy of tenants provisioned without one. Default: `schema`. */
  defaultStrategy?: TenancyStrategyName;
  /** Schema strategy naming; keep it equal to the module's `schema.naming`. Default: `tenant_<id>`. */
  schema?: { naming?: (tenant: Tenant) => string };
  /** Database strategy settings; without them, database tenants are refused. Default: none. */
  database?: DatabaseProvisioningOptions;
  /** RLS settings of `migrateShared()`. Default: no policies added. */
  rls?: RlsProvisioningOptions;
  /** Ids accepted by `provision()`. Default: `DEFAULT_TENANT_ID_PATTERN`, as the module's. */
  tenantIdPattern?: RegExp;
  /** Most connections of the owner pool; keep `migrateAll`'s concurrency at or below it. Default: `4`. */
  poolSize?: number;
  /** How long to wait for another process working on the same tenant, in ms; `0` waits for ever. Default: `600000`. */
  lockTimeoutMs?: number;
  /** The runner's `checksumMismatch`. Default: `error`. */
  checksumMismatch?: 'error' | 'warn';
}

/** Input of `provision()`. Omitted fields come from the defaults (or, on a retry, from the record). */
export interface ProvisionTenantInput {
  id: string;
  name?: string;
  /** Default: the provisioner's `defaultStrategy`. */
  strategy?: TenancyStrategyName;
  /** Schema strategy only. Default: the naming rule. */
  schemaName?: string;
  /** Database strategy only: use this URL (its database is still created if missing). Default: generated. */
  databaseUrl?: string;
}

/** Options of `deprovision()`. */
export interface DeprovisionOptions {
  /** Must equal the tenant id, or nothing is dropped. */
  confirm: string;
  /**
   * RLS tenants: also delete the tenant's rows from `rls.tables`, in one
   * transaction, in reverse order of that list (list parent tables before
   * their children). Schema and database tenants lose everything anyway.
   * Default: `false` (the rows stay, for the app to delete).
   */
  deleteRows?: boolean;
}

/** Options of `migrateAll()`. */
export interface MigrateTenantsOptions extends MigrateAllOptions {
  /**
   * Tenants migrated, by status. Tenants still being provisioned (or failed,
   * or deleted) are never included: `provision()` migrates those. Default: `['active']`.
   */
  statuses?: readonly Extract<TenantStatus, 'active' | 'suspended'>[];
}
