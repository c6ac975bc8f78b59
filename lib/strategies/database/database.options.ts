import type { TenantSecretKey } from '../../crypto/tenant-secret-cipher.interface';
import { TenantSecretCipher } from '../../crypto/tenant-secret.cipher';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import type { TenantStore } from '../../store/tenant-store.interface';
import {
  failOption as fail,
  isObject,
  isStatementCacheSize,
  STATEMENT_CACHE_SIZE_EXPECTED,
} from '../shared/option-checks';

/** Database strategy settings (one database per tenant, from `tenant.databaseUrl`). */
export interface DatabaseStrategyOptions {
  /** Most connections of one tenant's pg pool. Default: `5`. */
  poolSize?: number;
  /**
   * Most connections open at once across all tenants' pools (the shared
   * `databaseUrl` pool is not counted). Never exceeded: when it is full the
   * least recently used idle tenant is disposed to make room. Default: `100`.
   */
  connectionBudget?: number;
  /**
   * How long a request waits (ms) for a connection when the budget is full
   * and no idle tenant can be disposed, before it fails with
   * `TenantUnavailableError` (503). Default: `1500`: under Prisma's default
   * interactive-transaction `maxWait` (2 s), so a transaction gets this 503
   * rather than Prisma's P2028 (a 500). Raise both together.
   */
  budgetWaitMs?: number;
  /**
   * Opening a connection to a tenant's database gives up after this many ms
   * with `TenantUnavailableError` (503), so a down server fails its tenant's
   * requests fast. Default: `3000`.
   */
  connectTimeoutMs?: number;
  /**
   * Keys of `TenantSecretCipher`, NEWEST FIRST, to decrypt `tenant.databaseUrl`
   * values encrypted with `cipher.encrypt(url, { aad: tenant.id })`. Default:
   * none (URLs are read as plaintext).
   */
  encryptionKeys?: readonly TenantSecretKey[];
  /**
   * Accept `tenant.databaseUrl` values in plaintext. Default: `true` without
   * `encryptionKeys`, `false` with them, so that once encryption is on a
   * plaintext URL (which nothing authenticates) is refused with
   * `TenantMisconfiguredError`. Set `true` while migrating stored URLs.
   */
  allowPlaintextUrls?: boolean;
  /**
   * Statements Prisma builds (model reads and writes) kept prepared per
   * connection of a tenant's pool, least recently used closed first:
   * PostgreSQL parses and plans each once per connection instead of on
   * every run. Raw SQL and transactions stay unnamed. `0` turns it off.
   * Default: `100`.
   *
   * Behind a transaction pooler that does not keep named statements per
   * client (PgBouncer before 1.21, or `max_prepared_statements = 0`), the
   * first statement the server lacks is retried unnamed and the cache turns
   * itself off, for every tenant, with a warning; set `0` there to skip
   * that. See docs/strategies.md.
   */
  statementCacheSize?: number;
}

/** The database slice once validated: `encryptionKeys` become a cipher at boot, so bad keys stop the app. */
export interface ResolvedDatabaseOptions {
  poolSize: number;
  connectionBudget: number;
  budgetWaitMs: number;
  connectTimeoutMs: number;
  cipher?: TenantSecretCipher;
  allowPlaintextUrls: boolean;
  statementCacheSize: number;
}

/** Validates `database` and fills in its defaults; `store` is checked against the encryption settings. */
export function resolveDatabaseOptions(given: unknown, common: { store: TenantStore }): ResolvedDatabaseOptions {
  if (given !== undefined && !isObject(given)) fail('database', 'expected an object');
  const options = given as DatabaseStrategyOptions | undefined;
  const sizes = {
    poolSize: options?.poolSize ?? 5,
    connectionBudget: options?.connectionBudget ?? 100,
    // Under Prisma's default interactive-transaction maxWait (2 s): see the option's doc.
    budgetWaitMs: options?.budgetWaitMs ?? 1_500,
    connectTimeoutMs: options?.connectTimeoutMs ?? 3_000,
  };
  for (const [name, value] of Object.entries(sizes)) {
    // A wait of 0 fails at once when the budget is full; a connect timeout of 0 would mean none in pg.
    const min = name === 'budgetWaitMs' ? 0 : 1;
    if (!(Number.isInteger(value) && value >= min)) fail(`database.${name}`, `expected an integer >= ${min}`);
  }
  if (sizes.poolSize > sizes.connectionBudget)
    fail('database.poolSize', `must not exceed database.connectionBudget (${sizes.connectionBudget})`);
  let cipher: TenantSecretCipher | undefined;
  if (options?.encryptionKeys !== undefined) {
    try {
      cipher = new TenantSecretCipher({ keys: options.encryptionKeys });
    } catch (error) {
      if (!(error instanceof TenancyConfigError)) throw error;
      // Re-anchor `keys[1]` to the option path; the cipher's messages never hold key material.
      const detail = error.message.replace(/^nestjs-prisma-tenancy: invalid option "[^"]*": /, '');
      fail(`database.encryptionKeys${error.field.replace(/^keys/, '')}`, detail);
    }
  }
  const allowPlaintextUrls = options?.allowPlaintextUrls ?? cipher === undefined;
  if (typeof allowPlaintextUrls !== 'boolean') fail('database.allowPlaintextUrls', 'expected a boolean');
  if (!allowPlaintextUrls && !cipher)
    fail('database.allowPlaintextUrls', 'false needs database.encryptionKeys, or no tenant URL could be read');
  if ((common.store as { decryptOnRead?: unknown }).decryptOnRead === true && options?.encryptionKeys?.length) {
    fail(
      'store',
      'a PrismaTenantStore that decrypts on read hands out plaintext URLs, which database.encryptionKeys makes the strategy refuse: build the store with { decryptOnRead: false }',
    );
  }
  const statementCacheSize = options?.statementCacheSize ?? 100;
  if (!isStatementCacheSize(statementCacheSize)) fail('database.statementCacheSize', STATEMENT_CACHE_SIZE_EXPECTED);
  return { ...sizes, cipher, allowPlaintextUrls, statementCacheSize };
}
