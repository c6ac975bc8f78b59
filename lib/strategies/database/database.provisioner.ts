import type { ClientConfig } from 'pg';
import { TenantMisconfiguredError } from '../../errors/tenant-misconfigured.error';
import type { MigrationClient, MigrationTarget } from '../../migrations/tenant-migration.interface';
import { TenantServerPolicy } from '../../provisioning/admin-server';
import {
  grantAfterMigrations,
  grantBeforeMigrations,
  migrationConnection,
  withConnection,
} from '../../provisioning/provisioning.sql';
import { expectOwnedOrAbsent, mark, type Queryable, readMarker } from '../../provisioning/resource-ownership';
import { randomPassword, scramSha256Verifier } from '../../provisioning/scram-verifier';
import type { StrategyProvisioner } from '../../provisioning/strategy-provisioner.interface';
import { databaseKey } from '../../registry/database-key';
import type { PrismaTenantStore } from '../../registry/prisma-tenant.store';
import type { RegistryTenant, RegistryTenantPatch } from '../../registry/registry-tenant.interface';
import { isPlainIdentifier, quoteIdent } from '../../registry/registry.constants';
import type { Tenant } from '../../store/tenant.interface';
import { type MarkedObject, markSql } from '../shared/ownership-marker';
import type { DatabaseProvisioningOptions } from './database-provisioning.options';

/** What a tenant's recorded URL says, checked. */
interface TenantDatabase {
  url: string;
  database: string;
  /** The password of `user`, as pg reads the URL. */
  password: string;
  /** The role the app connects to it as. */
  user: string;
  /** Whether that role is the tenant's own (created and dropped with it). */
  ownRole: boolean;
}

/**
 * One database per tenant on the admin URL's server, owned by the owner role
 * and marked as the tenant's (its own role too, with `perTenantRole`), so no
 * other tenant's provisioning adopts, alters or drops them. Its URL (with the app role's or the tenant role's credentials) is recorded
 * first, encrypted by the store, so a retry reuses the same name and password.
 */
export class DatabaseStrategyProvisioner implements StrategyProvisioner {
  private readonly ownerRole: string;
  /** Databases no tenant record may name: deprovision would drop them. */
  private readonly reserved: Set<string>;
  /** Owner and admin connections, and the servers a tenant URL may name. */
  private readonly servers: TenantServerPolicy;

  constructor(
    private readonly store: PrismaTenantStore,
    ownerUrl: string,
    private readonly options: DatabaseProvisioningOptions,
    private readonly naming: (tenant: Tenant) => string,
  ) {
    this.servers = new TenantServerPolicy(ownerUrl, options.adminUrl, options.appUrl, options.allowedServers);
    this.ownerRole = this.servers.ownerRole;
    const template = options.template ?? 'template0';
    this.reserved = new Set(['postgres', 'template0', 'template1', template, ...this.servers.ownDatabases]);
  }

  prepare(tenant: RegistryTenant): RegistryTenantPatch {
    if (tenant.databaseUrl !== undefined) {
      this.databaseOf(tenant);
      return {};
    }
    const name = this.nameOf(tenant);
    const { appUrl, adminUrl, perTenantRole } = this.options;
    const databaseUrl = perTenantRole
      ? this.servers.tenantUrl(appUrl ?? adminUrl, { user: name, password: randomPassword(), database: name })
      : this.servers.tenantUrl(appUrl!, { database: name });
    return { databaseUrl };
  }

  async check(tenant: RegistryTenant): Promise<void> {
    const db = this.databaseOf(tenant);
    await withConnection(this.servers.adminConnection(), (admin) => this.existing(admin, tenant.id, db));
  }

  async create(tenant: RegistryTenant): Promise<void> {
    const db = this.databaseOf(tenant);
    const database = quoteIdent(db.database);
    const user = quoteIdent(db.user);
    await withConnection(this.servers.adminConnection(), async (admin) => {
      // Read first: nothing is altered when the database or the role is not this tenant's.
      const existing = await this.existing(admin, tenant.id, db);
      if (db.ownRole) {
        // Re-applied on a retry: the recorded URL is the truth, the role (marked as the tenant's) follows it.
        const password = scramSha256Verifier(db.password);
        const role = `ROLE ${user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`;
        if (existing.role) await admin.query(`ALTER ${role}`);
        else await admin.query(`BEGIN; CREATE ${role}; ${markSql('role', user, tenant.id)}; COMMIT`);
      }
      if (!existing.database) {
        const template = quoteIdent(this.options.template ?? 'template0');
        // CREATE DATABASE cannot run in a transaction: a process dying between the two leaves it unmarked,
        // which a retry refuses (claim it, once checked to be this tenant's).
        await admin.query(`CREATE DATABASE ${database} OWNER ${quoteIdent(this.ownerRole)} TEMPLATE ${template}`);
        await mark(admin, 'database', db.database, tenant.id);
      }
      // Only the owner and the tenant's app role may connect: with per-tenant
      // roles, a leaked tenant password opens no other tenant's database.
      await admin.query(
        `REVOKE ALL ON DATABASE ${database} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${user}`,
      );
    });
    await withConnection(this.ownerConnectionOf(db), (owner) => owner.query(grantBeforeMigrations('public', db.user)));
  }

  target(tenant: RegistryTenant): MigrationTarget {
    return { tenantId: tenant.id };
  }

  connect(tenant: RegistryTenant): Promise<MigrationClient> {
    return migrationConnection(this.ownerConnectionOf(this.databaseOf(tenant)));
  }

  async grant(tenant: RegistryTenant): Promise<void> {
    const db = this.databaseOf(tenant);
    await withConnection(this.ownerConnectionOf(db), (owner) => owner.query(grantAfterMigrations('public', db.user)));
  }

  async drop(tenant: RegistryTenant): Promise<string[]> {
    if (tenant.databaseUrl === undefined) return [];
    const db = this.databaseOf(tenant);
    await withConnection(this.servers.adminConnection(), async (admin) => {
      // Only what carries this tenant's marker, and nothing at all when either is someone else's.
      const existing = await this.existing(admin, tenant.id, db);
      // FORCE ends the sessions still open on it (pooled app connections).
      if (existing.database) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db.database)} WITH (FORCE)`);
      if (existing.role) await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(db.user)}`);
    });
    return db.ownRole ? [`database ${db.database}`, `role ${db.user}`] : [`database ${db.database}`];
  }

  async claim(tenant: RegistryTenant): Promise<string[]> {
    const db = this.databaseOf(tenant);
    const objects: [MarkedObject, string][] = [['database', db.database]];
    if (db.ownRole) objects.push(['role', db.user]);
    return withConnection(this.servers.adminConnection(), async (admin) => {
      const states = await Promise.all(
        objects.map(async ([object, name]) => ({ object, name, state: await readMarker(admin, object, name) })),
      );
      if (states[0].state.state === 'absent')
        throw new TenantMisconfiguredError(tenant.id, `its database "${db.database}" does not exist`);
      // All checked before any is marked: a claim refused for one object marks none.
      for (const { object, name, state } of states)
        if (state.state === 'marked') expectOwnedOrAbsent(state, tenant.id, object, name);
      const marked: string[] = [];
      for (const { object, name, state } of states) {
        if (state.state !== 'unmarked') continue;
        await mark(admin, object, name, tenant.id);
        marked.push(`${object} ${name}`);
      }
      return marked;
    });
  }

  resource(tenant: RegistryTenant): { kind: 'database'; name: string } {
    const url = this.store.plaintextDatabaseUrl(tenant);
    return { kind: 'database', name: (url && databaseKey(url)) ?? '?' };
  }

  /** Which of the tenant's database and own role exist, each marked as its: `TenantResourceNotOwnedError` for one that is not. */
  private async existing(
    admin: Queryable,
    tenantId: string,
    db: TenantDatabase,
  ): Promise<{ database: boolean; role: boolean }> {
    const database = expectOwnedOrAbsent(
      await readMarker(admin, 'database', db.database),
      tenantId,
      'database',
      db.database,
    );
    const role = db.ownRole && expectOwnedOrAbsent(await readMarker(admin, 'role', db.user), tenantId, 'role', db.user);
    return { database, role };
  }

  /**
   * The owner on the tenant's database: the admin URL's server and parameters,
   * the owner URL's user and password, and only the database name from the
   * tenant URL, so its host, port and query never receive the owner's password.
   */
  private ownerConnectionOf(db: TenantDatabase): ClientConfig {
    return this.servers.ownerConnection(db.database);
  }

  private databaseOf(tenant: RegistryTenant): TenantDatabase {
    const url = this.store.plaintextDatabaseUrl(tenant);
    if (!url) throw new TenantMisconfiguredError(tenant.id, 'it has no database URL');
    // Refuses (before any connection) a URL naming a server other than the admin one.
    const parts = this.servers.read(tenant.id, url);
    if (!isPlainIdentifier(parts.database) || !isPlainIdentifier(parts.user)) {
      throw new TenantMisconfiguredError(
        tenant.id,
        'its database URL must name a database and a user that are plain identifiers',
      );
    }
    if (this.reserved.has(parts.database)) {
      throw new TenantMisconfiguredError(
        tenant.id,
        `its database URL names "${parts.database}", which is not a tenant database`,
      );
    }
    // A role is the tenant's own only if it bears the tenant's name: the
    // provisioner never changes the password of, or drops, a shared role.
    const ownRole =
      this.options.perTenantRole === true && parts.user === this.nameOf(tenant) && parts.user !== this.ownerRole;
    return { url, database: parts.database, user: parts.user, password: parts.password, ownRole };
  }

  private nameOf(tenant: Tenant): string {
    const name = this.naming(tenant);
    if (!isPlainIdentifier(name) || name !== name.toLowerCase()) {
      throw new TenantMisconfiguredError(
        tenant.id,
        'its database name is not a safe identifier (lower-case letters, digits and _)',
      );
    }
    return name;
  }
}
