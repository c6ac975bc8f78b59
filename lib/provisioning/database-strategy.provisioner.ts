import { TenantMisconfiguredError } from '../errors/tenant-misconfigured.error';
import type { MigrationClient, MigrationTarget } from '../migrations/tenant-migration.interface';
import type { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { RegistryTenant, RegistryTenantPatch } from '../registry/registry-tenant.interface';
import { isPlainIdentifier, quoteIdent } from '../registry/registry.constants';
import type { Tenant } from '../store/tenant.interface';
import { grantAfterMigrations, grantBeforeMigrations, migrationConnection, rewriteUrl, urlParts, withConnection } from './provisioning.sql';
import { randomPassword, scramSha256Verifier } from './scram-verifier';
import type { StrategyProvisioner } from './strategy-provisioner.interface';
import type { DatabaseProvisioningOptions } from './tenant-provisioner.interface';

/** What a tenant's recorded URL says, checked. */
interface TenantDatabase {
  url: string;
  database: string;
  /** The role the app connects to it as. */
  user: string;
  /** Whether that role is the tenant's own (created and dropped with it). */
  ownRole: boolean;
}

/**
 * One database per tenant on the admin URL's server, owned by the owner role.
 * Its URL (with the app role's or the tenant role's credentials) is recorded
 * first, encrypted by the store, so a retry reuses the same name and password.
 */
export class DatabaseStrategyProvisioner implements StrategyProvisioner {
  private readonly ownerRole: string;
  /** Databases no tenant record may name: deprovision would drop them. */
  private readonly reserved: Set<string>;

  constructor(
    private readonly store: PrismaTenantStore,
    private readonly ownerUrl: string,
    private readonly options: DatabaseProvisioningOptions,
    private readonly naming: (tenant: Tenant) => string,
  ) {
    this.ownerRole = urlParts(ownerUrl).user;
    const template = options.template ?? 'template0';
    this.reserved = new Set(['postgres', 'template0', 'template1', template, urlParts(ownerUrl).database, urlParts(options.adminUrl).database]);
  }

  prepare(tenant: RegistryTenant): RegistryTenantPatch {
    if (tenant.databaseUrl !== undefined) {
      this.databaseOf(tenant);
      return {};
    }
    const name = this.nameOf(tenant);
    const { appUrl, adminUrl, perTenantRole } = this.options;
    const databaseUrl = perTenantRole
      ? rewriteUrl(appUrl ?? adminUrl, { user: name, password: randomPassword(), database: name })
      : rewriteUrl(appUrl!, { database: name });
    return { databaseUrl };
  }

  async create(tenant: RegistryTenant): Promise<void> {
    const db = this.databaseOf(tenant);
    const database = quoteIdent(db.database);
    const user = quoteIdent(db.user);
    await withConnection(this.options.adminUrl, async (admin) => {
      if (db.ownRole) {
        const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [db.user]);
        // Re-applied on a retry: the recorded URL is the truth, the role follows it.
        const password = scramSha256Verifier(urlParts(db.url).password);
        await admin.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
      }
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
      if (!rowCount) {
        const template = quoteIdent(this.options.template ?? 'template0');
        await admin.query(`CREATE DATABASE ${database} OWNER ${quoteIdent(this.ownerRole)} TEMPLATE ${template}`);
      }
      // Only the owner and the tenant's app role may connect: with per-tenant
      // roles, a leaked tenant password opens no other tenant's database.
      await admin.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${user}`);
    });
    await withConnection(this.ownerUrlOf(db), (owner) => owner.query(grantBeforeMigrations('public', db.user)));
  }

  target(tenant: RegistryTenant): MigrationTarget {
    return { tenantId: tenant.id };
  }

  connect(tenant: RegistryTenant): Promise<MigrationClient> {
    return migrationConnection(this.ownerUrlOf(this.databaseOf(tenant)));
  }

  async grant(tenant: RegistryTenant): Promise<void> {
    const db = this.databaseOf(tenant);
    await withConnection(this.ownerUrlOf(db), (owner) => owner.query(grantAfterMigrations('public', db.user)));
  }

  async drop(tenant: RegistryTenant): Promise<string[]> {
    if (tenant.databaseUrl === undefined) return [];
    const db = this.databaseOf(tenant);
    await withConnection(this.options.adminUrl, async (admin) => {
      // FORCE ends the sessions still open on it (pooled app connections).
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db.database)} WITH (FORCE)`);
      if (db.ownRole) await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(db.user)}`);
    });
    return db.ownRole ? [`database ${db.database}`, `role ${db.user}`] : [`database ${db.database}`];
  }

  /** The owner's credentials on the tenant's database (same host, port and parameters as the tenant URL). */
  private ownerUrlOf(db: TenantDatabase): string {
    const owner = urlParts(this.ownerUrl);
    return rewriteUrl(db.url, { user: owner.user, password: owner.password });
  }

  private databaseOf(tenant: RegistryTenant): TenantDatabase {
    const url = this.store.plaintextDatabaseUrl(tenant);
    if (!url) throw new TenantMisconfiguredError(tenant.id, 'it has no database URL');
    let parts: ReturnType<typeof urlParts>;
    try {
      parts = urlParts(url);
    } catch {
      throw new TenantMisconfiguredError(tenant.id, 'its database URL does not parse');
    }
    if (!isPlainIdentifier(parts.database) || !isPlainIdentifier(parts.user)) {
      throw new TenantMisconfiguredError(tenant.id, 'its database URL must name a database and a user that are plain identifiers');
    }
    if (this.reserved.has(parts.database)) {
      throw new TenantMisconfiguredError(tenant.id, `its database URL names "${parts.database}", which is not a tenant database`);
    }
    // A role is the tenant's own only if it bears the tenant's name: the
    // provisioner never changes the password of, or drops, a shared role.
    const ownRole = this.options.perTenantRole === true && parts.user === this.nameOf(tenant) && parts.user !== this.ownerRole;
    return { url, database: parts.database, user: parts.user, ownRole };
  }

  private nameOf(tenant: Tenant): string {
    const name = this.naming(tenant);
    if (!isPlainIdentifier(name) || name !== name.toLowerCase()) {
      throw new TenantMisconfiguredError(tenant.id, 'its database name is not a safe identifier (lower-case letters, digits and _)');
    }
    return name;
  }
}
