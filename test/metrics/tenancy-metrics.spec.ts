import { TenancyMetrics, type TenancyMetricsSnapshot } from '../../lib';
import { serverAdminUrl } from '../support';
import { waitFor } from '../registry/wait-for';
import {
  bootDatabaseApp,
  createDatabaseTenants,
  type DatabaseTenants,
  type DatabaseTestApp,
} from '../strategies/database/database-app';

/** Every leaf is a number: what an exporter needs, and no tenant id or URL. */
function leaves(value: unknown, path = ''): Array<[string, unknown]> {
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, child]) => leaves(child, path ? `${path}.${key}` : key));
  return [[path, value]];
}

describe('TenancyMetrics.snapshot() on the database strategy', () => {
  let setup: DatabaseTenants;
  let t: DatabaseTestApp;
  let metrics: TenancyMetrics;
  const snapshot = (): TenancyMetricsSnapshot => metrics.snapshot();
  const database = () => snapshot().strategies.database!;

  beforeAll(async () => {
    setup = await createDatabaseTenants(['m1', 'm2'], [serverAdminUrl()]);
    t = await bootDatabaseApp(setup.shared.appUrl, setup.tenants, {
      clientPool: { max: 1, idleTtlMs: 0 },
      database: { connectionBudget: 7, poolSize: 2 },
    });
    metrics = t.app.get(TenancyMetrics);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await setup?.drop();
  }, 60_000);

  it('starts at zero, with the limits of the options', () => {
    expect(snapshot()).toEqual({
      strategies: {
        database: {
          sharedPool: { total: 0, idle: 0, waiting: 0, max: 10 },
          clients: {
            size: 0,
            max: 1,
            hits: 0,
            misses: 0,
            created: 0,
            evictions: 0,
            disposed: 0,
            disposing: 0,
            inFlight: 0,
            openConnections: 0,
          },
          budget: { used: 0, limit: 7, waiting: 0, peak: 0 },
        },
      },
      cache: { size: 0, unknownSize: 0, max: 10_000, hits: 0, misses: 0, loads: 0 },
    });
  });

  it('counts lookups, clients, connections and work in flight as tenants are served', async () => {
    await t.as('m1', (p) => p.project.count());
    expect(snapshot().cache).toMatchObject({ size: 1, misses: 1, loads: 1, hits: 0 });
    expect(database().clients).toMatchObject({ size: 1, created: 1, misses: 1, inFlight: 0, openConnections: 1 });
    expect(database().budget).toMatchObject({ used: 1, peak: 1, waiting: 0 });

    // In flight while a statement runs; the second lookup and client read are hits.
    const sleeping = t.as('m1', (p) => p.$queryRaw`SELECT pg_sleep(0.4)::text`);
    await waitFor('the statement to start', () => database().clients!.inFlight === 1);
    expect(snapshot().cache).toMatchObject({ hits: 1, misses: 1, loads: 1 });
    expect(database().clients).toMatchObject({ hits: 1, created: 1 });
    await sleeping;
    expect(database().clients!.inFlight).toBe(0);

    // Shared models go through the shared pool.
    await t.prisma.shared.plan.findMany();
    expect(database().sharedPool).toMatchObject({ total: 1, idle: 1, waiting: 0 });
  });

  it('counts evictions and disposals, and unknown ids remembered by the cache', async () => {
    await t.as('m2', (p) => p.project.count()); // clientPool.max 1: m1 leaves
    await waitFor('m1 to be disposed', () => database().clients!.disposed === 1);
    expect(database().clients).toMatchObject({ size: 1, created: 2, evictions: 1, disposed: 1, disposing: 0 });
    expect(database().budget).toMatchObject({ used: 1 }); // m1's connection closed with its pool

    await expect(t.as('nobody', async () => 0)).rejects.toThrow('was not found');
    await expect(t.as('nobody', async () => 0)).rejects.toThrow('was not found');
    expect(snapshot().cache).toMatchObject({ size: 2, unknownSize: 1, misses: 3, loads: 3, hits: 2 });
  });

  it('is plain JSON of numbers, without tenant ids', () => {
    const taken = snapshot();
    expect(JSON.parse(JSON.stringify(taken))).toEqual(taken);
    for (const [path, value] of leaves(taken)) expect([path, typeof value]).toEqual([path, 'number']);
    expect(JSON.stringify(taken)).not.toMatch(/m1|m2|nobody|postgres/);
  });
});
