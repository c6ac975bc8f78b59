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
import { requestedIds, rotationVerdict, type PlaintextEncryptionReport, type SecretRotationReport } from './secret-rotation';
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
   * Re-encrypts with the newest key (put it first in the cipher) every stored
   * URL that decrypts for its tenant, and reports the rest without changing
   * them: values in plaintext (rotation never encrypts one: whoever wrote it
   * may not have had the key; see `encryptPlaintextUrls`) and values that do
   * not decrypt for their row. A row changed meanwhile is skipped and
   * reported; run it again to catch it.
   * @throws TenancyConfigError when the store has no cipher.
   */
  async rotateSecrets(): Promise<SecretRotationReport> {
    const cipher = this.requireCipher('rotateSecrets()');
    const report: SecretRotationReport = { rotated: [], current: [], plaintext: [], undecryptable: [], changedMeanwhile: [] };
    for (const { id, database_url: stored } of await this.storedUrls(null)) {
      if (stored === null) continue;
      const verdict = rotationVerdict(cipher, id, stored);
      if (verdict.kind === 'rotated') (await this.replaceUrl(id, stored, verdict.next) ? report.rotated : report.changedMeanwhile).push(id);
      else if (verdict.kind === 'undecryptable') report.undecryptable.push({ id, reason: verdict.reason });
      else report[verdict.kind].push(id);
    }
    return report;
  }

  /**
   * Encrypts the plaintext database URLs of exactly the tenants named: the
   * deliberate step from plaintext to encrypted storage, for URLs you know to
   * be yours (`rotateSecrets()` lists them under `plaintext`). Values already
   * encrypted are left alone.
   * @throws TenancyConfigError when the store has no cipher; TypeError unless given a list of ids.
   */
  async encryptPlaintextUrls(ids: readonly string[]): Promise<PlaintextEncryptionReport> {
    const cipher = this.requireCipher('encryptPlaintextUrls()');
    const wanted = requestedIds(ids);
    const report: PlaintextEncryptionReport = { encrypted: [], alreadyEncrypted: [], withoutUrl: [], notFound: [], changedMeanwhile: [] };
    const rows = new Map((await this.storedUrls(wanted)).map((row) => [row.id, row.database_url]));
    for (const id of wanted.sort()) {
      const stored = rows.get(id);
      if (stored === undefined) report.notFound.push(id);
      else if (stored === null) report.withoutUrl.push(id);
      else if (cipher.isEncrypted(stored)) report.alreadyEncrypted.push(id);
      else (await this.replaceUrl(id, stored, cipher.encrypt(stored, { aad: id })) ? report.encrypted : report.changedMeanwhile).push(id);
    }
    return report;
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

  private requireCipher(operation: string): TenantSecretCipher {
    if (!this.cipher) throw new TenancyConfigError('registry.cipher', `${operation} needs a cipher`);
    return this.cipher;
  }

  /** Stored values as they are (no decryption), of the given ids or of every row; ordered by id, bytewise. */
  private async storedUrls(ids: string[] | null): Promise<{ id: string; database_url: string | null }[]> {
    const { rows } = await this.pool.query<{ id: string; database_url: string | null }>(
      `SELECT id, database_url FROM ${this.table} WHERE $1::text[] IS NULL OR id = ANY($1) ORDER BY id COLLATE "C"`,
      [ids],
    );
    return rows;
  }

  /** Writes `next` only if the row still holds `stored` (no lost update with a concurrent writer). */
  private async replaceUrl(id: string, stored: string, next: string): Promise<boolean> {
    const sql = `UPDATE ${this.table} SET database_url = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1 AND database_url = $3`;
    return (await this.write(sql, [id, next, stored])) !== undefined;
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
