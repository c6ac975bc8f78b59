import { InMemoryTenantStore } from '../store/in-memory-tenant.store';
import { TENANT_STATUSES } from '../store/tenant.interface';
import { failOption as fail, isObject } from '../strategies/shared/option-checks';
import { isTenancyStrategyName, TENANCY_STRATEGIES, TENANCY_STRATEGY_NAMES } from '../strategies/strategy.registry';
import type { ResolvedStrategyOptions } from '../strategies/strategy.registry';
import type { ResolvedTenancyOptions } from './resolved-options.interface';
import type { TenancyModuleOptions } from './tenancy-options.interface';
import { defaultEntryPoints } from '../entry-points/default-entry-points';
import type { TenantEntryPoint } from '../entry-points/tenant-entry-point.interface';

// The naming rule is the schema and database strategies'; exported from here, as it always was.
export { DEFAULT_TENANT_NAME_PREFIX, defaultSchemaName, prefixedTenantName } from '../strategies/shared/tenant-naming';

/**
 * Default tenant id pattern: 1-56 lower-case letters, digits or `-`, not
 * starting with `-`. Canonical by construction: no upper case and no `_`, so
 * the default naming (`tenant_` + id, `-` as `_`) gives every id its own name,
 * and `tenant_` + 56 characters is within PostgreSQL's 63-byte identifiers
 * (longer names would be silently truncated, and could meet).
 */
export const DEFAULT_TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,55}$/;

const RESOLVER_TYPES = ['header', 'subdomain', 'path', 'claim', 'custom'];
// A GUC name is `prefix.name`; both parts plain identifiers so it can be quoted as a literal safely.
const SETTING_PATTERN = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i;
const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/i;

// Quoted for messages: 'rls', 'schema', 'database'.
const QUOTED_NAMES = TENANCY_STRATEGY_NAMES.map((s) => `'${s}'`).join(', ');

/**
 * Validates the user's options once, at boot, and merges the defaults: the
 * common ones here, each strategy's slice by its definition in the strategy
 * registry. Every error names the field and what was expected, so a
 * misconfigured app stops with a message that says how to fix it.
 */
export function resolveTenancyOptions<TClient>(
  options: TenancyModuleOptions<TClient>,
): ResolvedTenancyOptions<TClient> {
  if (!isObject(options)) fail('(root)', 'expected an options object');

  if (!isTenancyStrategyName(options.strategy))
    fail('strategy', `expected one of ${QUOTED_NAMES}, got ${JSON.stringify(options.strategy)}`);
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

  // Under `rls` for history, but every strategy sets it: the tenant setting is common.
  const tenantSetting = options.rls?.setting ?? 'app.tenant_id';
  if (!SETTING_PATTERN.test(tenantSetting))
    fail('rls.setting', 'expected a setting name of the form prefix.name, for example app.tenant_id');

  const strategies = options.strategies ?? [options.strategy];
  if (!Array.isArray(strategies) || !strategies.every(isTenancyStrategyName))
    fail('strategies', `expected an array of ${QUOTED_NAMES}`);
  if (!strategies.includes(options.strategy))
    fail('strategies', `must include the default strategy '${options.strategy}'`);

  const clientPool = { max: options.clientPool?.max ?? 100, idleTtlMs: options.clientPool?.idleTtlMs ?? 600_000 };
  if (!(Number.isInteger(clientPool.max) && clientPool.max > 0)) fail('clientPool.max', 'expected an integer > 0');
  if (!(Number.isInteger(clientPool.idleTtlMs) && clientPool.idleTtlMs >= 0))
    fail('clientPool.idleTtlMs', 'expected an integer >= 0');

  const store = options.store ?? new InMemoryTenantStore(options.tenants);
  return {
    strategy: options.strategy,
    databaseUrl: options.databaseUrl,
    createClient: options.createClient,
    store,
    resolvers,
    entryPoints: resolveEntryPoints(options.entryPoints),
    tenantIdPattern,
    cache,
    migrations,
    globalGuard: options.globalGuard ?? true,
    tenantField,
    tenantSetting,
    sharedModels: new Set(sharedModels),
    pool: options.pool ?? {},
    sharedPool: resolveSharedPoolOptions(options.sharedPool, options.pool?.max),
    strategies: new Set(strategies),
    clientPool,
    registryListener: resolveRegistryListener(options.registryListener),
    // Every registered strategy's slice, enabled or not, as each definition validates it.
    ...resolveStrategyOptions(options, store),
  };
}

function resolveStrategyOptions(
  options: TenancyModuleOptions<unknown>,
  store: ResolvedTenancyOptions['store'],
): ResolvedStrategyOptions {
  const slices: Record<string, unknown> = {};
  for (const definition of TENANCY_STRATEGIES)
    slices[definition.name] = definition.resolveOptions(options[definition.name], { store });
  return slices as ResolvedStrategyOptions;
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

function resolveEntryPoints(entryPoints: TenancyModuleOptions<unknown>['entryPoints']): readonly TenantEntryPoint[] {
  if (entryPoints === undefined) return defaultEntryPoints();
  if (!Array.isArray(entryPoints)) fail('entryPoints', 'expected an array of entry points');
  const seen = new Set<string>();
  entryPoints.forEach((entry: unknown, i) => {
    const e = entry as Partial<TenantEntryPoint> | null;
    if (!isObject(e) || typeof e.type !== 'string' || typeof e.resolveTenantId !== 'function')
      fail(`entryPoints[${i}]`, 'expected an entry point (an object with `type` and `resolveTenantId`)');
    if (e.type === 'http') fail(`entryPoints[${i}].type`, "'http' is resolved by `resolvers`");
    if (seen.has(e.type)) fail(`entryPoints[${i}].type`, `'${e.type}' is given twice`);
    seen.add(e.type);
  });
  return entryPoints;
}
