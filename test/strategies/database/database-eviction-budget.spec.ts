import { TenantUnavailableError, type TenantPoolEventPayload } from '../../../lib';
import { serverAdminUrl } from '../../support';
import { bootDatabaseApp, createDatabaseTenants, type DatabaseTenants, type DatabaseTestApp } from './database-app';
import { sampleConnections } from './tenant-servers';

// One busy tenant evicted again and again while its statements still run: each
// eviction used to leave its pool draining while the next client opened a new
// one, so the tenant held several pools' worth of connections at once.
const BUSY = 'ev0';
const OTHERS = ['ev1', 'ev2', 'ev3'];
const POOL_SIZE = 2;

describe('database strategy: a tenant never holds more than its poolSize across evictions', () => {
  let setup: DatabaseTenants;
  let t: DatabaseTestApp | undefined;

  beforeAll(async () => {
    setup = await createDatabaseTenants([BUSY, ...OTHERS], [serverAdminUrl()]);
  }, 180_000);
  afterEach(async () => {
    await t?.close();
    t = undefined;
  }, 60_000);
  afterAll(async () => setup?.drop(), 180_000);

  it('counted on the server (pg_stat_activity) while it is evicted and re-created under load; the other tenants are served', async () => {
    // A client pool of one: every request of another tenant evicts the busy one mid-flight.
    // A budget of two pools: if the busy tenant held more than its own, the others would starve into 503s.
    t = await bootDatabaseApp(setup.shared.appUrl, setup.tenants, {
      database: {
        poolSize: POOL_SIZE,
        connectionBudget: 2 * POOL_SIZE,
        budgetWaitMs: 10_000,
        connectTimeoutMs: 20_000,
      },
      clientPool: { max: 1, idleTtlMs: 0 },
    });
    const app = t;
    const created: TenantPoolEventPayload[] = [];
    const evicted: TenantPoolEventPayload[] = [];
    app.strategy.clientPool().on('created', (e: TenantPoolEventPayload) => created.push(e));
    app.strategy.clientPool().on('evicted', (e: TenantPoolEventPayload) => evicted.push(e));
    const busyDb = setup.databases.get(BUSY)!;
    const sampler = sampleConnections(serverAdminUrl(), [busyDb]);

    let running = true;
    const busyErrors: unknown[] = [];
    // Twice its pool size of slow statements in flight at all times.
    const busy = Array.from({ length: 2 * POOL_SIZE }, async () => {
      while (running) {
        await app.as(BUSY, (p) => p.$queryRaw`SELECT pg_sleep(0.15)::text`).catch((e: unknown) => busyErrors.push(e));
      }
    });
    // The others in turn, each request evicting the busy tenant's client, until it was re-created ten times.
    const served: number[] = [];
    for (let round = 0; created.filter((e) => e.tenantId === BUSY).length < 10; round++) {
      if (round > 2_000) throw new Error('the busy tenant was not re-created ten times');
      const id = OTHERS[round % OTHERS.length];
      served.push(await app.as(id, (p) => p.project.count()));
      await new Promise((r) => setTimeout(r, 20));
    }
    running = false;
    await Promise.all(busy);
    const peak = await sampler.stop();

    expect(evicted.filter((e) => e.tenantId === BUSY).length).toBeGreaterThanOrEqual(9);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(POOL_SIZE);
    expect(served.every((n) => typeof n === 'number')).toBe(true);
    // The busy tenant waits for its own connections; it may get its own 503s, never another error.
    for (const error of busyErrors) expect(error).toBeInstanceOf(TenantUnavailableError);
    expect(app.strategy.connectionBudget().peak()).toBeLessThanOrEqual(2 * POOL_SIZE);
  }, 120_000);
});
