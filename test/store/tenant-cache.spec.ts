import { Pool } from 'pg';
import { TenantInactiveError } from '../../lib/errors/tenant-inactive.error';
import { TenantMigrationFailedError } from '../../lib/errors/tenant-migration-failed.error';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import type { RegistryTenant } from '../../lib/registry/registry-tenant.interface';
import { InMemoryTenantStore } from '../../lib/store/in-memory-tenant.store';
import { lruTtlResolution } from '../../lib/store/lru-ttl-resolution';
import { TenantCache } from '../../lib/store/tenant-cache.service';
import type { Tenant } from '../../lib/store/tenant.interface';
import type { TenantStore } from '../../lib/store/tenant-store.interface';
import { createTestDatabase, type TestDatabase } from '../support';

const REAL = ['acme', 'globex', 'initech'];

/** Wraps a real store and records every id it is asked for. */
class Counted<T extends Tenant> implements TenantStore<T> {
  readonly calls: string[] = [];
  constructor(private readonly inner: TenantStore<T>) {}
  findById(id: string) {
    this.calls.push(id);
    return this.inner.findById(id);
  }
}

function cacheOver(store: TenantStore, cache?: { max?: number; ttlMs?: number }): TenantCache {
  return new TenantCache(
    resolveTenancyOptions({
      strategy: 'rls',
      databaseUrl: 'postgresql://unused@127.0.0.1:5432/unused',
      createClient: () => ({}),
      store,
      cache,
    }),
  );
}

describe('TenantCache against PrismaTenantStore (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let registry: PrismaTenantStore;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    pool = new Pool({ connectionString: db.ownerUrl, max: 3 });
    registry = new PrismaTenantStore(pool, { notifyChannel: false });
    await registry.migrate();
    for (const id of REAL) await registry.create({ id, status: 'active', name: id.toUpperCase() });
  });
  afterAll(async () => {
    await registry?.close();
    await pool?.end();
    await db?.drop();
  });

  it('a flood of 10,000 unknown ids never evicts a real tenant (default cache.max)', async () => {
    const store = new Counted(registry);
    const cache = cacheOver(store);
    for (const id of REAL) expect((await cache.getActive(id)).id).toBe(id);
    // In batches, as concurrent requests would arrive; the default max is 10,000.
    for (let batch = 0; batch < 20; batch++) {
      const ids = Array.from({ length: 500 }, (_, i) => `nobody-${batch * 500 + i}`);
      expect(await Promise.all(ids.map((id) => cache.find(id)))).toEqual(ids.map(() => undefined));
    }
    expect(store.calls).toHaveLength(REAL.length + 10_000);
    store.calls.length = 0;
    for (const id of REAL) expect((await cache.getActive(id)).id).toBe(id);
    expect(store.calls).toEqual([]);
    // The most recent misses are still remembered: the flood does not hammer the store either.
    await cache.find('nobody-9999');
    expect(store.calls).toEqual([]);
  });

  it('remembers at most cache.max misses: memory stays bounded, hits stay', async () => {
    const store = new Counted(registry);
    const cache = cacheOver(store, { max: 50 });
    for (const id of REAL) await cache.getActive(id);
    for (let i = 0; i < 1_000; i++) await cache.find(`ghost-${i}`);
    const misses = (cache as unknown as { misses: { size: number } }).misses;
    expect(misses.size).toBe(50);
    store.calls.length = 0;
    await cache.find('ghost-0'); // pushed out long ago: asked again
    await cache.find('ghost-999'); // recent: remembered
    for (const id of REAL) await cache.getActive(id);
    expect(store.calls).toEqual(['ghost-0']);
  });

  it('merges concurrent lookups of one id into one store call, and caches no failed lookup', async () => {
    const store = new Counted(registry);
    const cache = cacheOver(store);
    const found = await Promise.all(Array.from({ length: 20 }, () => cache.find('acme')));
    expect(new Set(found).size).toBe(1);
    expect(store.calls).toEqual(['acme']);

    let fail = true;
    const flaky: TenantStore = {
      findById: async (id) => (fail ? Promise.reject(new Error('registry down')) : registry.findById(id)),
    };
    const over = cacheOver(flaky);
    await expect(over.find('acme')).rejects.toThrow('registry down');
    fail = false;
    expect((await over.find('acme'))?.id).toBe('acme');
  });

  it('a lookup under way when the tenant is invalidated is not cached', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = new Counted<Tenant>({ findById: async (id) => (await gate, registry.findById(id)) });
    const cache = cacheOver(store);
    const stale = cache.find('acme');
    cache.invalidate('acme');
    release();
    await stale;
    await cache.find('acme');
    expect(store.calls).toEqual(['acme', 'acme']);
  });

  it('hands out one deep-frozen snapshot: fields, nested values and dates cannot be changed', async () => {
    const cache = cacheOver(new Counted(registry));
    const tenant = (await cache.getActive('acme')) as RegistryTenant;
    expect(await cache.getActive('acme')).toBe(tenant);
    expect(Object.isFrozen(tenant)).toBe(true);
    expect(() => Object.assign(tenant, { id: 'globex' })).toThrow(TypeError);
    expect(() => {
      (tenant as { strategy?: string }).strategy = 'schema';
    }).toThrow(TypeError);
    const created = tenant.createdAt.getTime();
    expect(tenant.createdAt).toBeInstanceOf(Date);
    expect(() => tenant.createdAt.setTime(0)).toThrow(TypeError);
    expect(() => tenant.createdAt.setFullYear(1999)).toThrow(TypeError);
    expect(tenant.createdAt.getTime()).toBe(created);
    expect(JSON.parse(JSON.stringify(tenant)).createdAt).toBe(new Date(created).toISOString());
    expect((await cache.getActive('acme')).id).toBe('acme');
  });
});

describe('TenantCache over a store that keeps its own objects', () => {
  it('snapshots what the store returns without freezing the store’s object, nested values included', async () => {
    const record = { id: 'acme', status: 'active' as const, limits: { seats: 5 }, tags: ['a'], since: new Date(0) };
    const cache = cacheOver({ findById: async () => record });
    const tenant = (await cache.getActive('acme')) as unknown as typeof record;
    expect(Object.isFrozen(record)).toBe(false);
    expect(() => {
      tenant.limits.seats = 500;
    }).toThrow(TypeError);
    expect(() => tenant.tags.push('b')).toThrow(TypeError);
    // The store changing its own record does not reach the cached snapshot either.
    record.limits.seats = 6;
    expect(tenant.limits.seats).toBe(5);
  });

  it('with ttlMs 0, caches nothing but still merges concurrent lookups', async () => {
    const store = new Counted(new InMemoryTenantStore([{ id: 'acme', status: 'active' }]));
    const cache = cacheOver(store, { ttlMs: 0 });
    await Promise.all([cache.find('acme'), cache.find('acme'), cache.find('nobody'), cache.find('nobody')]);
    await cache.find('acme');
    await cache.find('nobody');
    expect(store.calls).toEqual(['acme', 'nobody', 'acme', 'nobody']);
  });
});

describe('TenantCache.peekActive (the synchronous hit TenantContext.run takes)', () => {
  const tenants: Tenant[] = [
    { id: 'acme', status: 'active' },
    { id: 'frozen', status: 'suspended' },
    { id: 'broken', status: 'active', lastError: 'migration 2 failed' },
  ];

  it('answers only a cached, active tenant; anything else is undefined, left to getActive', async () => {
    const store = new Counted(new InMemoryTenantStore(tenants));
    const cache = cacheOver(store);
    // Nothing cached yet: no answer, and no store call either.
    expect(cache.peekActive('acme')).toBeUndefined();
    expect(store.calls).toEqual([]);
    const acme = await cache.getActive('acme');
    expect(cache.peekActive('acme')).toBe(acme);
    await cache.find('frozen');
    expect(cache.peekActive('frozen')).toBeUndefined();
    await expect(cache.getActive('frozen')).rejects.toBeInstanceOf(TenantInactiveError);
    // Malformed ids (case, punctuation, non-strings) never match a cached one.
    for (const id of ['ACME', 'acme ', 'acme_', '', 42 as unknown as string])
      expect(cache.peekActive(id)).toBeUndefined();
  });

  it('leaves a tenant whose migration failed to getActive when migrations.onFailed is refuse', async () => {
    const refuse = new TenantCache(
      resolveTenancyOptions({
        strategy: 'rls',
        databaseUrl: 'postgresql://unused@127.0.0.1:5432/unused',
        createClient: () => ({}),
        store: new InMemoryTenantStore(tenants),
        migrations: { onFailed: 'refuse' },
      }),
    );
    await refuse.find('broken');
    expect(refuse.peekActive('broken')).toBeUndefined();
    await expect(refuse.getActive('broken')).rejects.toBeInstanceOf(TenantMigrationFailedError);
  });
});

describe('InMemoryTenantStore', () => {
  it('keeps frozen snapshots: neither the input nor a returned tenant can change what it serves', async () => {
    const input = { id: 'acme', status: 'active' as const, name: 'Acme' };
    const store = new InMemoryTenantStore([input]);
    input.name = 'Changed';
    const found = (await store.findById('acme'))!;
    expect(found.name).toBe('Acme');
    expect(() => Object.assign(found, { id: 'globex' })).toThrow(TypeError);
    store.set({ ...found, name: 'Renamed' });
    expect((await store.findById('acme'))?.name).toBe('Renamed');
    expect(store.all().every((t) => Object.isFrozen(t))).toBe(true);
  });
});

describe('TenantCache expiry', () => {
  it('reloads a tenant once its TTL has passed, and keeps it cached before', async () => {
    const store = new Counted(new InMemoryTenantStore([{ id: 'acme', status: 'active' }]));
    const cache = cacheOver(store, { ttlMs: 200 });
    await cache.getActive('acme');
    await cache.getActive('acme');
    expect(store.calls).toEqual(['acme']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cache.getActive('acme');
    expect(store.calls).toEqual(['acme', 'acme']);
  });

  it('reads the clock for staleness at most once per hundredth of the TTL, not per millisecond', () => {
    expect(lruTtlResolution(1)).toBe(1);
    expect(lruTtlResolution(200)).toBe(2);
    expect(lruTtlResolution(60_000)).toBe(600);
    expect(lruTtlResolution(3_600_000)).toBe(1_000);
  });
});
