import type { OnModuleInit } from '@nestjs/common';
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
import { databaseKey } from './database-key';
import { assertRegistryReadable } from './registry-access';
import {
  requestedIds,
  rotationVerdict,
  type PlaintextEncryptionReport,
  type SecretRotationReport,
} from './secret-rotation';
import { TenantAlreadyRegisteredError } from './tenant-already-registered.error';
import { TenantResourceTakenError } from './tenant-resource-taken.error';
import { REGISTRY_MIGRATIONS } from './tenancy-registry.migration';

const UNIQUE_VIOLATION = '23505';
const UNDEFINED_COLUMN = '42703';

/**
 * A `TenantStore` over the registry table `tenancy_tenants`, in a database of
 * its own or in the shared one. Create the table with `migrate()`.
 *
 * Every write runs the registered `onInvalidate` hooks with the tenant id (so
 * the module can drop it from `TenantCache`) and, unless `notifyChannel` is
 * `false`, sends a NOTIFY that `RegistryInvalidationListener`s in other
 * processes turn into the same call.
 *
 * Given to `TenancyModule` as `store`, it checks at boot that its role can
 * read the registry (see `assertReadable()`).
 */
export class PrismaTenantStore implements TenantStore<RegistryTenant>, OnModuleInit {
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
  private readable?: Promise<void>;

  constructor(connection: RegistryConnection, options: PrismaTenantStoreOptions = {}) {
    this.schema = options.schema ?? DEFAULT_REGISTRY_SCHEMA;
    if (!isPlainIdentifier(this.schema))
      throw new TenancyConfigError('registry.schema', 'expected a plain SQL identifier');
    const channel = options.notifyChannel ?? DEFAULT_REGISTRY_CHANNEL;
    if (channel !== false && !isPlainIdentifier(channel))
      throw new TenancyConfigError('registry.notifyChannel', 'expected a plain SQL identifier');
    this.channel = channel || null;
    this.ownsPool = typeof connection === 'string';
    this.pool = typeof connection === 'string' ? new Pool({ connectionString: connection, max: 5 }) : connection;
    // An idle connection dropped by the server would otherwise crash the process; the next query reconnects.
    if (this.ownsPool) this.pool.on('error', () => undefined);
    this.table = `${quoteIdent(this.schema)}.${REGISTRY_TABLE}`;
    this.cipher = options.cipher;
    this.decryptOnRead = options.decryptOnRead ?? true;
  }

  /**
   * Checks that the store's role can read the registry: the table exists and
   * is current, and the role has USAGE on its schema and SELECT on it (what
   * an app role needs; writes are the owner's). Passes once per store.
   * @throws TenancyConfigError (field `store`) naming the missing privilege
   * and the GRANT to run, or the migration to apply.
   */
  assertReadable(): Promise<void> {
    this.readable ??= assertRegistryReadable(this.pool, this.schema).catch((error: unknown) => {
      this.readable = undefined;
      throw error;
    });
    return this.readable;
  }

  /** Nest calls it at boot when the store is the module's `store`: a role that cannot read the registry stops the app. */
  onModuleInit(): Promise<void> {
    return this.assertReadable();
  }

  /** Whether `database_url` values are encrypted at rest (a cipher was given). */
  get encryptsUrls(): boolean {
    return this.cipher !== undefined;
  }

  /**
   * Creates or upgrades the registry table (and its schema) with the package's
   * migration runner, then derives the `database_key` of records written
   * before it existed (records the store cannot decrypt, or that name a
   * database another record already names, are listed in `warnings`).
   */
  async migrate(): Promise<TenantMigrationResult> {
    // Before the runner: the upgrade's own check would record a failed migration, which blocks every later run.
    await this.refuseSharedSchemas();
    const runner = new TenantMigrationRunner({ pool: this.pool, migrations: REGISTRY_MIGRATIONS, schema: this.schema });
    const result = await runner.migrate({ schema: this.schema, tenantId: 'tenancy-registry' });
    result.warnings.push(...(await this.backfillDatabaseKeys()));
    return result;
  }

  /** Whether the registry table is `missing`, `behind` (a registry migration of this release is not applied) or `current`. */
  async migrationState(): Promise<'missing' | 'behind' | 'current'> {
    const history = `${quoteIdent(this.schema)}._prisma_migrations`;
    const { rows } = await this.pool.query<{ table: boolean; history: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS table, to_regclass($2) IS NOT NULL AS history',
      [this.table, history],
    );
    if (!rows[0].table) return 'missing';
    if (!rows[0].history) return 'behind';
    const applied = await this.pool.query<{ n: number }>(
      `SELECT count(DISTINCT migration_name)::int AS n FROM ${history} WHERE migration_name = ANY($1) AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      [REGISTRY_MIGRATIONS.map((m) => m.name)],
    );
    return applied.rows[0].n === REGISTRY_MIGRATIONS.length ? 'current' : 'behind';
  }

  /**
   * Ids of the other records naming the same schema (compared lower-cased) or
   * the same database (`host:port/database`, see `databaseKey`). Empty when
   * the tenant's resources are its alone.
   */
  async othersNaming(tenant: Pick<RegistryTenant, 'id' | 'schemaName' | 'databaseUrl'>): Promise<string[]> {
    const key = this.keyOf(tenant.id, tenant.databaseUrl);
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM ${this.table} WHERE id <> $1 AND (lower(schema_name) = lower($2) OR database_key = $3) ORDER BY id`,
      [tenant.id, tenant.schemaName ?? null, key],
    );
    return rows.map((row) => row.id);
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
    if (typeof input?.id !== 'string' || input.id === '')
      throw new TypeError('PrismaTenantStore.create() needs a non-empty id');
    const status = input.status ?? 'provisioning';
    assertStatus(status);
    const sealed = this.seal(input.id, input.databaseUrl);
    const key = this.keyOf(input.id, input.databaseUrl);
    const values = [
      input.id,
      input.name ?? null,
      status,
      input.strategy ?? null,
      input.schemaName ?? null,
      sealed,
      key,
    ];
    try {
      return (await this.write(insertTenant(this.table), values))!;
    } catch (error) {
      throw this.conflict(error, input.id, input.schemaName, key);
    }
  }

  /**
   * Changes the given fields; `TenantNotFoundError` when the id is unknown,
   * `TenantResourceTakenError` when another record names the schema or database.
   */
  async update(id: string, patch: RegistryTenantPatch): Promise<RegistryTenant> {
    if (patch.status !== undefined) assertStatus(patch.status);
    const key = patch.databaseUrl === undefined ? undefined : this.keyOf(id, patch.databaseUrl ?? undefined);
    const sealed = patch.databaseUrl
      ? { ...patch, databaseUrl: this.seal(id, patch.databaseUrl), databaseKey: key }
      : { ...patch, databaseKey: key };
    const { sql, values } = updateTenant(this.table, sealed);
    let tenant: RegistryTenant | undefined;
    try {
      tenant = await this.write(sql, [id, ...values]);
    } catch (error) {
      throw this.conflict(error, id, patch.schemaName ?? undefined, key ?? null);
    }
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
    const report: SecretRotationReport = {
      rotated: [],
      current: [],
      plaintext: [],
      undecryptable: [],
      changedMeanwhile: [],
    };
    for (const { id, database_url: stored } of await this.storedUrls(null)) {
      if (stored === null) continue;
      const verdict = rotationVerdict(cipher, id, stored);
      if (verdict.kind === 'rotated')
        ((await this.replaceUrl(id, stored, verdict.next)) ? report.rotated : report.changedMeanwhile).push(id);
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
    const report: PlaintextEncryptionReport = {
      encrypted: [],
      alreadyEncrypted: [],
      withoutUrl: [],
      notFound: [],
      changedMeanwhile: [],
    };
    const rows = new Map((await this.storedUrls(wanted)).map((row) => [row.id, row.database_url]));
    for (const id of wanted.sort()) {
      const stored = rows.get(id);
      if (stored === undefined) report.notFound.push(id);
      else if (stored === null) report.withoutUrl.push(id);
      else if (cipher.isEncrypted(stored)) report.alreadyEncrypted.push(id);
      else
        ((await this.replaceUrl(id, stored, cipher.encrypt(stored, { aad: id })))
          ? report.encrypted
          : report.changedMeanwhile
        ).push(id);
    }
    return report;
  }

  /** Ends the pool if the store opened it (given a URL); a pool passed in is left to its owner. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  /** A unique violation as the package's error: the id taken, or the schema or database named by another record. */
  private conflict(error: unknown, id: string, schemaName: string | undefined, key: string | null): unknown {
    if (
      (error as { code?: string; message?: string }).code === UNDEFINED_COLUMN &&
      /database_key/.test((error as Error).message)
    ) {
      return new TenancyConfigError(
        'registry',
        'the registry table predates this release (no unique schema and database names): run store.migrate() (CLI: init)',
      );
    }
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) return error;
    const constraint = (error as { constraint?: string }).constraint;
    if (constraint === 'tenancy_tenants_schema_name_key')
      return new TenantResourceTakenError(id, 'schema', schemaName ?? '?');
    if (constraint === 'tenancy_tenants_database_key_key')
      return new TenantResourceTakenError(id, 'database', key ?? '?');
    return new TenantAlreadyRegisteredError(id);
  }

  /** The `database_key` of a URL as given (plaintext, or sealed for this tenant); `null` when none can be derived. */
  private keyOf(id: string, url: string | undefined): string | null {
    if (url === undefined) return null;
    if (!looksSealed(url)) return databaseKey(url);
    if (!this.cipher) return null;
    try {
      return databaseKey(this.cipher.decrypt(url, { aad: id }));
    } catch {
      return null;
    }
  }

  /** Refuses to upgrade a registry (without unique names yet) whose records share a schema: someone must decide whose it is. */
  private async refuseSharedSchemas(): Promise<void> {
    const { rows } = await this.pool.query<{ upgraded: boolean | null }>(
      "SELECT (SELECT true FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'database_key') AS upgraded, to_regclass($1) IS NOT NULL AS found",
      [this.table],
    );
    if (!(rows[0] as { found?: boolean }).found || rows[0].upgraded) return;
    const shared = await this.pool.query<{ name: string; ids: string }>(
      `SELECT lower(schema_name) AS name, string_agg(id, ', ' ORDER BY id) AS ids FROM ${this.table} ` +
        'WHERE schema_name IS NOT NULL GROUP BY 1 HAVING count(*) > 1 ORDER BY 1',
    );
    if (shared.rows.length) {
      const list = shared.rows.map((row) => `${row.name} (${row.ids})`).join('; ');
      throw new TenancyConfigError(
        'registry',
        `tenant records share a schema: ${list}. Give each its own schema (or delete the stray record) before upgrading`,
      );
    }
  }

  /** Derives the missing `database_key`s (records written before the column, or by SQL); returns warnings. */
  private async backfillDatabaseKeys(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string; database_url: string }>(
      `SELECT id, database_url FROM ${this.table} WHERE database_url IS NOT NULL AND database_key IS NULL ORDER BY id`,
    );
    const warnings: string[] = [];
    for (const { id, database_url: stored } of rows) {
      const key = this.keyOf(id, stored);
      if (key === null) {
        warnings.push(
          `tenant "${id}": its database URL could not be read (encrypted without this store's keys?), so its database is not checked for uniqueness`,
        );
        continue;
      }
      try {
        await this.pool.query(`UPDATE ${this.table} SET database_key = $2 WHERE id = $1 AND database_url = $3`, [
          id,
          key,
          stored,
        ]);
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
        const others = await this.othersNaming({ id, databaseUrl: stored });
        warnings.push(
          `tenant "${id}" names database ${key}, as tenant(s) ${others.map((o) => `"${o}"`).join(', ')} do: give each its own`,
        );
      }
    }
    return warnings;
  }

  private async write(sql: string, values: unknown[]): Promise<RegistryTenant | undefined> {
    const text = withNotify(sql, this.channel === null ? null : values.length + 1);
    const { rows } = await this.pool.query<RegistryRow>(
      text,
      this.channel === null ? values : [...values, this.channel],
    );
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
    if (tenant.databaseUrl !== undefined)
      tenant.databaseUrl = this.open(tenant.id, tenant.databaseUrl, this.decryptOnRead);
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
    if (!this.cipher)
      throw new TenancyConfigError(
        'registry.cipher',
        `the database URL of tenant "${id}" is encrypted but the store has no cipher`,
      );
    return this.cipher.decrypt(stored, { aad: id });
  }
}

function assertStatus(status: unknown): asserts status is TenantStatus {
  if (!TENANT_STATUSES.includes(status as TenantStatus))
    throw new TypeError(`Unknown tenant status "${String(status)}"`);
}

function errorMessage(error: unknown): string | null {
  if (error === null) return null;
  return error instanceof Error ? error.message : String(error);
}
