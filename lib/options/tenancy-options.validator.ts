import { TenantSecretCipher } from '../crypto/tenant-secret.cipher';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { InMemoryTenantStore } from '../store/in-memory-tenant.store';
import { TENANT_STATUSES, type Tenant } from '../store/tenant.interface';
import type { ResolvedTenancyOptions } from './resolved-options.interface';
import type { DatabaseStrategyOptions, TenancyModuleOptions } from './tenancy-options.interface';

/**
 * Default tenant id pattern: 1-56 lower-case letters, digits or `-`, not
 * starting with `-`. Canonical by construction: no upper case and no `_`, so
 * the default naming (`tenant_` + id, `-` as `_`) gives every id its own name,
 * and `tenant_` + 56 characters is within PostgreSQL's 63-byte identifiers
 * (longer names would be silently truncated, and could meet).
 */
export const DEFAULT_TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,55}$/;

/** Prefix of the default schema, database and role names. */
export const DEFAULT_TENANT_NAME_PREFIX = 'tenant_';

const STRATEGIES = ['rls', 'schema', 'database'] as const;
// Strategies this version implements; the others fail at boot with a clear message.
const IMPLEMENTED: string[] = ['rls', 'schema', 'database'];

/**
 * The naming rule of the module, the provisioner and the CLI: `prefix` + the
 * id lower-cased, `-` turned into `_`. Injective over the ids of
 * `DEFAULT_TENANT_ID_PATTERN`; a custom pattern allowing upper case or `_`
 * makes it meet (`a-b`, `a_b`), which the registry's unique names and the
 * ownership markers then refuse.
 */
export function prefixedTenantName(prefix: string): (tenant: Tenant) => string {
  return (tenant) => `${prefix}${tenant.id.toLowerCase().replace(/-/g, '_')}`;
}

/** Default schema (and database) of a tenant: `tenant_<id>`, lower-cased, `-` turned into `_`. */
export const defaultSchemaName: (tenant: Tenant) => string = prefixedTenantName(DEFAULT_TENANT_NAME_PREFIX);
const RESOLVER_TYPES = ['header', 'subdomain', 'path', 'claim', 'custom'];
// A GUC name is `prefix.name`; both parts plain identifiers so it can be quoted as a literal safely.
const SETTING_PATTERN = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i;
const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/i;

function fail(field: string, message: string): never {
  throw new TenancyConfigError(field, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Validates the user's options once, at boot, and merges the defaults. Every
 * error names the field and what was expected, so a misconfigured app stops
 * with a message that says how to fix it.
 */
export function resolveTenancyOptions<TClient>(
  options: TenancyModuleOptions<TClient>,
): ResolvedTenancyOptions<TClient> {
  if (!isObject(options)) fail('(root)', 'expected an options object');

  if (!STRATEGIES.includes(options.strategy as never)) {
    fail(
      'strategy',
      `expected one of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(options.strategy)}`,
    );
  }
  if (typeof options.databaseUrl !== 'string' || !/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    fail('databaseUrl', 'expected a postgresql:// connection string');
  }
  if (typeof options.createClient !== 'function') {
    fail('createClient', 'expected a function (adapter) => new PrismaClient({ adapter })');
  }

  if (options.store !== undefined && options.tenants !== undefined)
    fail('store', 'give either `store` or `tenants`, not both');
  if (options.store === undefined && options.tenants === undefined)
    fail('store', 'expected a TenantStore, or a `tenants` array');
  if (options.store !== undefined && typeof options.store?.findById !== 'function') {
    fail('store', 'expected an object with a findById(id) method');
  }
  if (options.tenants !== undefined) {
    if (!Array.isArray(options.tenants)) fail('tenants', 'expected an array of { id, status }');
    options.tenants.forEach((t, i) => {
      if (!isObject(t) || typeof t.id !== 'string') fail(`tenants[${i}].id`, 'expected a string');
      if (!TENANT_STATUSES.includes(t.status))
        fail(`tenants[${i}].status`, `expected one of ${TENANT_STATUSES.join(', ')}`);
    });
  }

  const resolvers = options.resolvers ?? [{ type: 'header' as const }];
  if (!Array.isArray(resolvers) || resolvers.length === 0) fail('resolvers', 'expected a non-empty array');
  resolvers.forEach((r, i) => {
    if (!isObject(r)) fail(`resolvers[${i}]`, 'expected a resolver configuration or a TenantResolver');
    if ('resolve' in r && typeof r.resolve === 'function' && !('type' in r)) return; // a TenantResolver instance
    const type = (r as { type?: unknown }).type;
    if (!RESOLVER_TYPES.includes(type as string))
      fail(`resolvers[${i}].type`, `expected one of ${RESOLVER_TYPES.join(', ')}`);
    if (type === 'custom' && typeof (r as { resolve?: unknown }).resolve !== 'function')
      fail(`resolvers[${i}].resolve`, 'expected a function');
    for (const key of ['header', 'claim', 'baseDomain'] as const) {
      const value = (r as Record<string, unknown>)[key];
      if (value !== undefined && (typeof value !== 'string' || value.trim() === ''))
        fail(`resolvers[${i}].${key}`, 'expected a non-empty string');
    }
    const ignore = (r as { ignore?: unknown }).ignore;
    if (ignore !== undefined && !(Array.isArray(ignore) && ignore.every((l) => typeof l === 'string')))
      fail(`resolvers[${i}].ignore`, 'expected an array of strings');
    if (type === 'path') {
      const segment = (r as { segment?: unknown }).segment;
      if (segment !== undefined && !(Number.isInteger(segment) && (segment as number) >= 0))
        fail(`resolvers[${i}].segment`, 'expected an integer >= 0');
    }
  });

  const tenantIdPattern = options.tenantIdPattern ?? DEFAULT_TENANT_ID_PATTERN;
  if (!(tenantIdPattern instanceof RegExp)) fail('tenantIdPattern', 'expected a RegExp');
  if (tenantIdPattern.global || tenantIdPattern.sticky)
    fail('tenantIdPattern', 'must not have the g or y flag (it would make test() stateful)');

  const cache = { ttlMs: options.cache?.ttlMs ?? 30_000, max: options.cache?.max ?? 10_000 };
  if (!(Number.isInteger(cache.ttlMs) && cache.ttlMs >= 0)) fail('cache.ttlMs', 'expected an integer >= 0');
  if (!(Number.isInteger(cache.max) && cache.max > 0)) fail('cache.max', 'expected an integer > 0');
  const migrations = { onFailed: options.migrations?.onFailed ?? 'serve' };
  if (migrations.onFailed !== 'serve' && migrations.onFailed !== 'refuse')
    fail('migrations.onFailed', "expected 'serve' or 'refuse'");

  const tenantField = options.tenantField ?? 'tenantId';
  if (!IDENTIFIER_PATTERN.test(tenantField)) fail('tenantField', 'expected a Prisma field name');
  const sharedModels = options.sharedModels ?? [];
  if (!Array.isArray(sharedModels) || sharedModels.some((m) => typeof m !== 'string'))
    fail('sharedModels', 'expected an array of model names');

  const rls = {
    setting: options.rls?.setting ?? 'app.tenant_id',
    mode: options.rls?.mode ?? 'transaction',
    tenantColumn: options.rls?.tenantColumn ?? 'tenant_id',
    selfCheck: options.rls?.selfCheck ?? true,
  };
  if (!SETTING_PATTERN.test(rls.setting))
    fail('rls.setting', 'expected a setting name of the form prefix.name, for example app.tenant_id');
  if (rls.mode !== 'transaction' && rls.mode !== 'session') fail('rls.mode', "expected 'transaction' or 'session'");
  if (!IDENTIFIER_PATTERN.test(rls.tenantColumn)) fail('rls.tenantColumn', 'expected a column name');
  if (typeof rls.selfCheck !== 'boolean') fail('rls.selfCheck', 'expected a boolean');

  const strategies = options.strategies ?? [options.strategy];
  if (!Array.isArray(strategies) || strategies.some((s) => !STRATEGIES.includes(s as never))) {
    fail('strategies', `expected an array of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}`);
  }
  if (!strategies.includes(options.strategy))
    fail('strategies', `must include the default strategy '${options.strategy}'`);
  for (const name of strategies) {
    if (!IMPLEMENTED.includes(name))
      fail('strategy', `'${name}' is not yet supported in this version; use one of ${IMPLEMENTED.join(', ')}`);
  }

  const clientPool = { max: options.clientPool?.max ?? 100, idleTtlMs: options.clientPool?.idleTtlMs ?? 600_000 };
  if (!(Number.isInteger(clientPool.max) && clientPool.max > 0)) fail('clientPool.max', 'expected an integer > 0');
  if (!(Number.isInteger(clientPool.idleTtlMs) && clientPool.idleTtlMs >= 0))
    fail('clientPool.idleTtlMs', 'expected an integer >= 0');
  const naming = options.schema?.naming ?? defaultSchemaName;
  if (typeof naming !== 'function') fail('schema.naming', 'expected a function (tenant) => schema name');

  const database = resolveDatabaseOptions(options.database);
  if (
    (options.store as { decryptOnRead?: unknown } | undefined)?.decryptOnRead === true &&
    options.database?.encryptionKeys?.length
  ) {
    fail(
      'store',
      'a PrismaTenantStore that decrypts on read hands out plaintext URLs, which database.encryptionKeys makes the strategy refuse: build the store with { decryptOnRead: false }',
    );
  }

  return {
    strategy: options.strategy,
    databaseUrl: options.databaseUrl,
    createClient: options.createClient,
    store: options.store ?? new InMemoryTenantStore(options.tenants),
    resolvers,
    tenantIdPattern,
    cache,
    migrations,
    globalGuard: options.globalGuard ?? true,
    tenantField,
    sharedModels: new Set(sharedModels),
    pool: options.pool ?? {},
    sharedPool: resolveSharedPoolOptions(options.sharedPool, options.pool?.max),
    rls,
    strategies: new Set(strategies),
    clientPool,
    schema: { naming },
    registryListener: resolveRegistryListener(options.registryListener),
    database,
  };
}

function resolveDatabaseOptions(given: TenancyModuleOptions['database']): ResolvedTenancyOptions['database'] {
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
  return { ...sizes, cipher, allowPlaintextUrls };
}

function resolveSharedPoolOptions(
  given: TenancyModuleOptions['sharedPool'],
  poolMax: unknown,
): ResolvedTenancyOptions['sharedPool'] {
  if (given === undefined) return {};
  if (!isObject(given)) fail('sharedPool', 'expected an object { tenantMax?, waitMs? }');
  const { tenantMax, waitMs } = given as { tenantMax?: unknown; waitMs?: unknown };
  if (tenantMax !== undefined && !(Number.isInteger(tenantMax) && (tenantMax as number) >= 1))
    fail('sharedPool.tenantMax', 'expected an integer >= 1');
  // pg's default pool size is 10.
  const max = typeof poolMax === 'number' ? poolMax : 10;
  if (typeof tenantMax === 'number' && tenantMax > max)
    fail('sharedPool.tenantMax', `must not exceed pool.max (${max})`);
  // 0 fails at once when no connection is ready.
  if (waitMs !== undefined && !(Number.isInteger(waitMs) && (waitMs as number) >= 0))
    fail('sharedPool.waitMs', 'expected an integer >= 0');
  return { tenantMax: tenantMax as number | undefined, waitMs: waitMs as number | undefined };
}

function resolveRegistryListener(
  given: TenancyModuleOptions['registryListener'],
): TenancyModuleOptions['registryListener'] {
  if (given === undefined) return undefined;
  if (!isObject(given)) fail('registryListener', 'expected an object with a `connection`');
  const connection = (given as { connection?: unknown }).connection;
  if (typeof connection !== 'string' && !isObject(connection))
    fail('registryListener.connection', 'expected a postgresql:// URL or a pg client config');
  return given;
}
