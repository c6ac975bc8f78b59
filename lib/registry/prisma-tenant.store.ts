import { Pool } from 'pg';
import type { TenantSecretCipher } from '../crypto/tenant-secret.cipher';
import { looksSealed } from '../crypto/tenant-secret.format';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { TenantNotFoundError } from '../errors/tenant-not-found.error';
import { TenantMigrationRunner } from '../migrations/migration-runner';
import type { TenantMigrationResult } from '../migrations/tenant-migration.interface';
import type { TenantStore } from '../store/tenant-store.interface';
import { TENANT_STATUSES, type TenantStatus } from '../store/tenant.interface';
import {
  DEFAULT_REGISTRY_CHANNEL,
  DEFAULT_REGISTRY_SCHEMA,
  isPlainIdentifier,
  quoteIdent,
  REGISTRY_TABLE,
} from './registry.constants';
import { COLUMNS, insertTenant, rowToTenant, updateTenant, withNotify, type RegistryRow } from './registry.sql';
import type {
  ListTenantsOptions,
  NewRegistryTenant,
  PrismaTenantStoreOptions,
  RegistryConnection,
  RegistryTenant,
  RegistryTenantPatch,
} from './registry-tenant.interface';
import { TenantAlreadyRegisteredError } from './tenant-already-registered.error';
import { REGISTRY_MIGRATIONS } from './tenancy-registry.migration';

const UNIQUE_VIOLATION = '23505';

/**
 * A `TenantStore` over the registry table `tenancy_tenants`, in a database of
 * its own or in the shared one. Create the table with `migrate()`.
 *
 * Every write runs the registered `onInvalidate` hooks with the tenant id (so
 * the module can drop it from `TenantCache`) and, unless `notifyChannel` is
 * `false`, sends a NOTIFY that `RegistryInvalidationListener`s in other
 * processes turn into the same call.
 */
export class PrismaTenantStore implements TenantStore<RegistryTenant> {
  /** The pool the store queries through (its own when given a URL). */
  readonly pool: Pool;
  /** Schema of the registry table. */
  readonly schema: string;
  /** Whether reads return `databaseUrl` decrypted (see the option of the same name). */
  readonly decryptOnRead: boolean;
  private readonly ownsPool: boolean;
  private readonly table: string;
  private readonly cipher: TenantSecretCipher | undefined;
  private readonly channel: string | null;
  private readonly hooks = new Set<(tenantId: string) => void>();

  constructor(connection: RegistryConnection, options: PrismaTenantStoreOptions = {}) {
    this.schema = options.schema ?? DEFAULT_REGISTRY_SCHEMA;
    if (!isPlainIdentifier(this.schema)) throw new TenancyConfigError('registry.schema', 'expected a plain SQL identifier');
    const channel = options.notifyChannel ?? DEFAULT_REGISTRY_CHANNEL;
    if (channel !== false && !isPlainIdentifier(channel)) throw new TenancyConfigError('registry.notifyChannel', 'expected a plain SQL identifier');
    this.channel = channel || null;
    this.ownsPool = typeof connection === 'string';
    this.pool = typeof connection === 'string' ? new Pool({ connectionString: connection, max: 5 }) : connection;
    // An idle connection dropped by the server would otherwise crash the process; the next query reconnects.
    if (this.ownsPool) this.pool.on('error', () => undefined);
    this.table = `${quoteIdent(this.schema)}.${REGISTRY_TABLE}`;
    this.cipher = options.cipher;
    this.decryptOnRead = options.decryptOnRead ?? true;
  }

  /** Whether `database_url` values are encrypted at rest (a cipher was given). */
  get encryptsUrls(): boolean {
    return this.cipher !== undefined;
  }

  /** Creates or upgrades the registry table (and its schema) with the package's migration runner. */
  migrate(): Promise<TenantMigrationResult> {
    const runner = new TenantMigrationRunner({ pool: this.pool, migrations: REGISTRY_MIGRATIONS, schema: this.schema });
    return runner.migrate({ schema: this.schema, tenantId: 'tenancy-registry' });
  }

  async findById(id: string): Promise<RegistryTenant | null> {
    const { rows } = await this.pool.query<RegistryRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? this.toTenant(rows[0]) : null;
  }

  /** Tenants, oldest first, optionally filtered by status and strategy. */
  async list(options: ListTenantsOptions = {}): Promise<RegistryTenant[]> {
    const statuses = options.status === undefined ? null : ([] as TenantStatus[]).concat(options.status);
    const { rows } = await this.pool.query<RegistryRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE ($1::text[] IS NULL OR status = ANY($1)) ` +
        'AND ($2::text IS NULL OR strategy = $2) ORDER BY created_at, id',
      [statuses, options.strategy ?? null],
    );
    return rows.map((row) => this.toTenant(row));
  }

  /** Registers a tenant; `TenantAlreadyRegisteredError` when the id is taken. */
  async create(input: NewRegistryTenant): Promise<RegistryTenant> {
    if (typeof input?.id !== 'string' || input.id === '') throw new TypeError('PrismaTenantStore.create() needs a non-empty id');
    const status = input.status ?? 'provisioning';
    assertStatus(status);
    const values = [input.id, input.name ?? null, status, input.strategy ?? null, input.schemaName ?? null, this.seal(input.id, input.databaseUrl)];
    try {
      return (await this.write(insertTenant(this.table), values))!;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new TenantAlreadyRegisteredError(input.id);
      throw error;
    }
  }

  /** Changes the given fields; `TenantNotFoundError` when the id is unknown. */
  async update(id: string, patch: RegistryTenantPatch): Promise<RegistryTenant> {
    if (patch.status !== undefined) assertStatus(patch.status);
    const sealed = patch.databaseUrl ? { ...patch, databaseUrl: this.seal(id, patch.databaseUrl) } : patch;
    const { sql, values } = updateTenant(this.table, sealed);
    const tenant = await this.write(sql, [id, ...values]);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  }

  /**
   * Sets the status, and `last_error` to the error's message when one is given:
   * `null` clears it, `undefined` keeps it.
   */
  setStatus(id: string, status: TenantStatus, error?: unknown): Promise<RegistryTenant> {
    return this.update(id, { status, lastError: error === undefined ? undefined : errorMessage(error) });
  }

  /** Calls `hook(tenantId)` after every write of this store; returns a function that unregisters it. */
  onInvalidate(hook: (tenantId: string) => void): () => void {
    this.hooks.add(hook);
    return () => void this.hooks.delete(hook);
  }

  /** The tenant's database URL in plaintext, whatever `decryptOnRead` says; `undefined` when it has none. */
  plaintextDatabaseUrl(tenant: Pick<RegistryTenant, 'id' | 'databaseUrl'>): string | undefined {
    return tenant.databaseUrl === undefined ? undefined : this.open(tenant.id, tenant.databaseUrl, true);
  }

  /**
   * Encrypts stored URLs still in plaintext and re-encrypts those made with an
   * older key (put the new key first in the cipher). Returns how many changed.
   * A row changed meanwhile is skipped; run it again to catch it.
   */
  async rotateSecrets(): Promise<number> {
    const cipher = this.cipher;
    if (!cipher) throw new TenancyConfigError('registry.cipher', 'rotateSecrets() needs a cipher');
    const { rows } = await this.pool.query<{ id: string; database_url: string }>(
      `SELECT id, database_url FROM ${this.table} WHERE database_url IS NOT NULL ORDER BY id`,
    );
    let changed = 0;
    for (const { id, database_url: stored } of rows) {
      const next = cipher.isEncrypted(stored) ? cipher.rotate(stored, { aad: id }) : cipher.encrypt(stored, { aad: id });
      if (next === stored) continue;
      const sql = `UPDATE ${this.table} SET database_url = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND database_url = $3`;
      if (await this.write(sql, [id, next, stored])) changed++;
    }
    return changed;
  }

  /** Ends the pool if the store opened it (given a URL); a pool passed in is left to its owner. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  private async write(sql: string, values: unknown[]): Promise<RegistryTenant | undefined> {
    const text = withNotify(sql, this.channel === null ? null : values.length + 1);
    const { rows } = await this.pool.query<RegistryRow>(text, this.channel === null ? values : [...values, this.channel]);
    if (!rows[0]) return undefined;
    for (const hook of this.hooks) {
      try {
        hook(rows[0].id);
      } catch {
        // The write has committed; a failing cache hook must not turn it into an error.
      }
    }
    return this.toTenant(rows[0]);
  }

  private toTenant(row: RegistryRow): RegistryTenant {
    const tenant = rowToTenant(row);
    if (tenant.databaseUrl !== undefined) tenant.databaseUrl = this.open(tenant.id, tenant.databaseUrl, this.decryptOnRead);
    return tenant;
  }

  /** Encrypts for storage; a value already encrypted is checked against this tenant, then kept. */
  private seal(id: string, url: string | undefined): string | null {
    if (url === undefined) return null;
    if (!this.cipher) return url;
    if (this.cipher.isEncrypted(url)) {
      this.cipher.decrypt(url, { aad: id });
      return url;
    }
    return this.cipher.encrypt(url, { aad: id });
  }

  private open(id: string, stored: string, decrypt: boolean): string {
    if (!decrypt || !looksSealed(stored)) return stored;
    if (!this.cipher) throw new TenancyConfigError('registry.cipher', `the database URL of tenant "${id}" is encrypted but the store has no cipher`);
    return this.cipher.decrypt(stored, { aad: id });
  }
}

function assertStatus(status: unknown): asserts status is TenantStatus {
  if (!TENANT_STATUSES.includes(status as TenantStatus)) throw new TypeError(`Unknown tenant status "${String(status)}"`);
}

function errorMessage(error: unknown): string | null {
  if (error === null) return null;
  return error instanceof Error ? error.message : String(error);
}
