import { randomBytes } from 'node:crypto';
import { TenancyConfigError } from '../../lib/errors/tenancy-config.error';
import type { TenancyModuleOptions } from '../../lib/options/tenancy-options.interface';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';
import { InMemoryTenantStore } from '../../lib/store/in-memory-tenant.store';
import { TENANCY_STRATEGY_NAMES } from '../../lib/strategies/strategy.registry';

// Unit spec of the options validator: pure, nothing connects.
const valid = (): TenancyModuleOptions => ({
  strategy: 'rls',
  databaseUrl: 'postgresql://app@127.0.0.1:5432/app',
  createClient: () => ({}),
  tenants: [{ id: 'acme', status: 'active' }],
});
const KEY = randomBytes(32).toString('hex');
const decryptingStore = { findById: async () => null, decryptOnRead: true };

/** The error resolving `options` throws; fails the test when it throws nothing or something else. */
function configError(options: unknown): TenancyConfigError {
  try {
    resolveTenancyOptions(options as TenancyModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TenancyConfigError);
    return error as TenancyConfigError;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveTenancyOptions', () => {
  it('fills in every default', () => {
    const options = valid();
    const resolved = resolveTenancyOptions(options);
    expect(resolved).toMatchObject({
      strategy: 'rls',
      databaseUrl: options.databaseUrl,
      createClient: options.createClient,
      resolvers: [{ type: 'header' }],
      cache: { ttlMs: 30_000, max: 10_000 },
      migrations: { onFailed: 'serve' },
      globalGuard: true,
      tenantField: 'tenantId',
      tenantSetting: 'app.tenant_id',
      sharedModels: new Set(),
      pool: {},
      sharedPool: {},
      strategies: new Set(['rls']),
      clientPool: { max: 100, idleTtlMs: 600_000 },
      registryListener: undefined,
      rls: { mode: 'transaction', tenantColumn: 'tenant_id', selfCheck: true, statementCacheSize: 100 },
      database: {
        poolSize: 5,
        connectionBudget: 100,
        budgetWaitMs: 1_500,
        connectTimeoutMs: 3_000,
        statementCacheSize: 100,
      },
    });
    expect(resolved.schema.statementCacheSize).toBe(100);
    expect(resolved.tenantIdPattern.test('acme-1')).toBe(true);
    expect(resolved.schema.naming({ id: 'big-co', status: 'active' })).toBe('tenant_big_co');
    expect(resolved.store).toBeInstanceOf(InMemoryTenantStore);
    expect(resolved.database.allowPlaintextUrls).toBe(true);
    expect(resolved.database.cipher).toBeUndefined();
  });

  it('keeps what is given', () => {
    const store = { findById: async () => null };
    const naming = () => 'x';
    const resolved = resolveTenancyOptions({
      ...valid(),
      tenants: undefined,
      store,
      strategy: 'schema',
      strategies: ['schema', 'rls'],
      tenantField: 'orgId',
      sharedModels: ['Plan'],
      rls: { setting: 'my.tenant', mode: 'session', tenantColumn: 'org_id', selfCheck: false, statementCacheSize: 0 },
      schema: { naming, statementCacheSize: 0 },
      database: { encryptionKeys: [KEY], poolSize: 2, connectionBudget: 10, statementCacheSize: 7 },
      pool: { max: 4 },
      sharedPool: { tenantMax: 2, waitMs: 0 },
      globalGuard: false,
    });
    expect(resolved).toMatchObject({
      store,
      strategy: 'schema',
      strategies: new Set(['schema', 'rls']),
      tenantField: 'orgId',
      tenantSetting: 'my.tenant',
      sharedModels: new Set(['Plan']),
      rls: { mode: 'session', tenantColumn: 'org_id', selfCheck: false, statementCacheSize: 0 },
      schema: { naming, statementCacheSize: 0 },
      database: { poolSize: 2, connectionBudget: 10, allowPlaintextUrls: false, statementCacheSize: 7 },
      sharedPool: { tenantMax: 2, waitMs: 0 },
      globalGuard: false,
    });
    expect(resolved.database.cipher).toBeDefined();
  });

  it('accepts every registered strategy, as the default and in strategies', () => {
    for (const strategy of TENANCY_STRATEGY_NAMES)
      expect(resolveTenancyOptions({ ...valid(), strategy }).strategies).toEqual(new Set([strategy]));
    expect(resolveTenancyOptions({ ...valid(), strategies: [...TENANCY_STRATEGY_NAMES] }).strategies.size).toBe(
      TENANCY_STRATEGY_NAMES.length,
    );
  });

  it.each<[string, unknown]>([
    ['(root)', null],
    ['strategy', { ...valid(), strategy: 'nosql' }],
    ['strategy', { ...valid(), strategy: undefined }],
    ['databaseUrl', { ...valid(), databaseUrl: 'mysql://x' }],
    ['databaseUrl', { ...valid(), databaseUrl: undefined }],
    ['createClient', { ...valid(), createClient: 'nope' }],
    ['store', { ...valid(), store: { findById: async () => null } }],
    ['store', { ...valid(), tenants: undefined }],
    ['store', { ...valid(), tenants: undefined, store: {} }],
    ['store', { ...valid(), tenants: undefined, store: decryptingStore, database: { encryptionKeys: [KEY] } }],
    ['tenants', { ...valid(), tenants: 'acme' }],
    ['tenants[0].id', { ...valid(), tenants: [{ status: 'active' }] }],
    [
      'tenants[1].status',
      {
        ...valid(),
        tenants: [
          { id: 'a', status: 'active' },
          { id: 'b', status: 'paused' },
        ],
      },
    ],
    ['entryPoints', { ...valid(), entryPoints: 'graphql' }],
    ['entryPoints[0]', { ...valid(), entryPoints: [{ type: 'rpc' }] }],
    ['entryPoints[0].type', { ...valid(), entryPoints: [{ type: 'http', resolveTenantId: () => undefined }] }],
    [
      'entryPoints[1].type',
      {
        ...valid(),
        entryPoints: [
          { type: 'rpc', resolveTenantId: () => undefined },
          { type: 'rpc', resolveTenantId: () => undefined },
        ],
      },
    ],
    ['resolvers', { ...valid(), resolvers: [] }],
    ['resolvers', { ...valid(), resolvers: 'header' }],
    ['resolvers[0]', { ...valid(), resolvers: [null] }],
    ['resolvers[0].type', { ...valid(), resolvers: [{ type: 'cookie' }] }],
    ['resolvers[0].resolve', { ...valid(), resolvers: [{ type: 'custom' }] }],
    ['resolvers[1].header', { ...valid(), resolvers: [{ type: 'path' }, { type: 'header', header: 42 }] }],
    ['resolvers[0].claim', { ...valid(), resolvers: [{ type: 'claim', claim: ' ' }] }],
    ['resolvers[0].baseDomain', { ...valid(), resolvers: [{ type: 'subdomain', baseDomain: '' }] }],
    ['resolvers[0].ignore', { ...valid(), resolvers: [{ type: 'subdomain', ignore: [1] }] }],
    ['resolvers[0].segment', { ...valid(), resolvers: [{ type: 'path', segment: -1 }] }],
    ['tenantIdPattern', { ...valid(), tenantIdPattern: '^a$' }],
    ['tenantIdPattern', { ...valid(), tenantIdPattern: /a/g }],
    ['tenantIdPattern', { ...valid(), tenantIdPattern: /a/y }],
    ['cache.ttlMs', { ...valid(), cache: { ttlMs: -1 } }],
    ['cache.max', { ...valid(), cache: { max: 0 } }],
    ['migrations.onFailed', { ...valid(), migrations: { onFailed: 'block' } }],
    ['tenantField', { ...valid(), tenantField: 'tenant-id' }],
    ['sharedModels', { ...valid(), sharedModels: [1] }],
    ['sharedModels', { ...valid(), sharedModels: 'Plan' }],
    ['rls.setting', { ...valid(), rls: { setting: "x'; drop" } }],
    ['rls.setting', { ...valid(), rls: { setting: 'nodot' } }],
    ['rls.mode', { ...valid(), rls: { mode: 'fast' } }],
    ['rls.tenantColumn', { ...valid(), rls: { tenantColumn: 'tenant id' } }],
    ['rls.selfCheck', { ...valid(), rls: { selfCheck: 'yes' } }],
    ['rls.statementCacheSize', { ...valid(), rls: { statementCacheSize: -1 } }],
    ['rls.statementCacheSize', { ...valid(), rls: { statementCacheSize: 1.5 } }],
    ['rls.statementCacheSize', { ...valid(), rls: { statementCacheSize: 10_001 } }],
    ['rls.statementCacheSize', { ...valid(), rls: { statementCacheSize: '100' } }],
    ['schema.statementCacheSize', { ...valid(), schema: { statementCacheSize: -1 } }],
    ['schema.statementCacheSize', { ...valid(), schema: { statementCacheSize: 2.5 } }],
    ['schema.statementCacheSize', { ...valid(), schema: { statementCacheSize: 10_001 } }],
    ['database.statementCacheSize', { ...valid(), database: { statementCacheSize: -1 } }],
    ['database.statementCacheSize', { ...valid(), database: { statementCacheSize: '0' } }],
    ['strategies', { ...valid(), strategies: ['rls', 'nosql'] }],
    ['strategies', { ...valid(), strategies: 'rls' }],
    ['strategies', { ...valid(), strategies: ['schema'] }],
    ['clientPool.max', { ...valid(), clientPool: { max: 0 } }],
    ['clientPool.idleTtlMs', { ...valid(), clientPool: { idleTtlMs: 1.5 } }],
    ['sharedPool', { ...valid(), sharedPool: 3 }],
    ['sharedPool.tenantMax', { ...valid(), sharedPool: { tenantMax: 0 } }],
    ['sharedPool.tenantMax', { ...valid(), sharedPool: { tenantMax: 11 } }],
    ['sharedPool.tenantMax', { ...valid(), pool: { max: 4 }, sharedPool: { tenantMax: 5 } }],
    ['sharedPool.waitMs', { ...valid(), sharedPool: { waitMs: -1 } }],
    ['registryListener', { ...valid(), registryListener: 'postgresql://x' }],
    ['registryListener.connection', { ...valid(), registryListener: {} }],
    ['schema.naming', { ...valid(), schema: { naming: 'tenant_' } }],
    ['database', { ...valid(), database: 5 }],
    ['database.poolSize', { ...valid(), database: { poolSize: 0 } }],
    ['database.poolSize', { ...valid(), database: { poolSize: 10, connectionBudget: 4 } }],
    ['database.connectionBudget', { ...valid(), database: { connectionBudget: 2.5 } }],
    ['database.budgetWaitMs', { ...valid(), database: { budgetWaitMs: -1 } }],
    ['database.connectTimeoutMs', { ...valid(), database: { connectTimeoutMs: 0 } }],
    ['database.allowPlaintextUrls', { ...valid(), database: { allowPlaintextUrls: 'no' } }],
    ['database.allowPlaintextUrls', { ...valid(), database: { allowPlaintextUrls: false } }],
  ])('refuses a bad %s, naming the field', (field, options) => {
    const error = configError(options);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`invalid option "${field}": `);
  });

  it('names the key at fault in database.encryptionKeys, without quoting it', () => {
    const bad = 'not-a-key-but-a-secret';
    const error = configError({ ...valid(), database: { encryptionKeys: [KEY, bad] } });
    expect(error.field).toMatch(/^database\.encryptionKeys\[1\]/);
    expect(error.message).not.toContain(bad);
  });

  it('lists the registered strategies when the strategy is unknown', () => {
    expect(configError({ ...valid(), strategy: 'nosql' }).message).toContain(
      `expected one of ${TENANCY_STRATEGY_NAMES.map((name) => `'${name}'`).join(', ')}, got "nosql"`,
    );
  });
});
