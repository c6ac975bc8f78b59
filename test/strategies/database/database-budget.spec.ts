import { TenantUnavailableError, type TenancyModuleOptions, type TenantPoolEventPayload } from '../../../lib';
import type { PrismaClient } from '../../fixtures/generated/client';
import { serverAdminUrl } from '../../support';
import { bootDatabaseApp, createDatabaseTenants, type DatabaseTenants, type DatabaseTestApp } from './database-app';
import { sampleConnections } from './tenant-servers';

// A budget of 4 connections with pools of 2: two busy tenants fill it.
const IDS = Array.from({ length: 12 }, (_, i) => `b${i}`);
const BUDGET = { connectionBudget: 4, poolSize: 2, connectTimeoutMs: 20_000 };

// Every gate a test makes, opened after it whatever happened: a failed assertion
// must not leave transactions holding connections (and close() waiting on them).
const gates: Array<() => void> = [];

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  gates.push(open);
  return { promise, open };
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs` (generous: only a hang should reach it). */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('database strategy: connection budget', () => {
  let setup: DatabaseTenants;
  let t: DatabaseTestApp | undefined;

  // Hook timeouts far above the work: a timed-out hook lets the next test start beside a live app.
  beforeAll(async () => {
    setup = await createDatabaseTenants(IDS, [serverAdminUrl()]);
  }, 300_000);
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    const app = t;
    t = undefined;
    await app?.close();
  }, 120_000);
  afterAll(async () => setup?.drop(), 300_000);

  async function boot(
    database: TenancyModuleOptions['database'],
    more: Partial<TenancyModuleOptions<PrismaClient>> = {},
  ) {
    t = await bootDatabaseApp(setup.shared.appUrl, setup.tenants, {
      database: { ...BUDGET, ...database },
      clientPool: { max: 50, idleTtlMs: 0 },
      ...more,
    });
    return t;
  }
  const events = (app: DatabaseTestApp, name: 'created' | 'evicted' | 'disposed') => {
    const seen: TenantPoolEventPayload[] = [];
    app.strategy.clientPool().on(name, (e: TenantPoolEventPayload) => seen.push(e));
    return seen;
  };
  const sleep = (app: DatabaseTestApp, id: string, seconds = 0.05) =>
    app.as(id, (p) => p.$queryRaw`SELECT pg_sleep(${seconds})::text`);
  /**
   * Holds one connection of `id` in an open interactive transaction until `release` resolves.
   * `held` resolves once the transaction has its connection (its first statement ran): tests wait
   * for that, never for a fixed time, which a loaded machine can outlast.
   */
  const holdConnection = (app: DatabaseTestApp, id: string, release: Promise<void>) => {
    let entered!: () => void;
    const held = new Promise<void>((resolve) => (entered = resolve));
    const done = app.as(id, (p) =>
      p.$transaction(async (tx) => (await tx.$queryRaw`SELECT 1`, entered(), await release), {
        timeout: 120_000,
        maxWait: 60_000,
      }),
    );
    // A hold that fails before it entered must fail the wait for it too.
    return { held: Promise.race([held, done.then(() => undefined)]), done };
  };
  const allHeld = (holds: Array<{ held: Promise<void> }>) => Promise.all(holds.map((h) => h.held));
  const allDone = (holds: Array<{ done: Promise<unknown> }>) => Promise.all(holds.map((h) => h.done));

  it("with the default budgetWaitMs, an interactive transaction that cannot get a connection gets the 503, before Prisma's own 2 s timeout (a 500)", async () => {
    const app = await boot({ connectionBudget: 2, poolSize: 2, budgetWaitMs: undefined });
    const release = gate();
    // Tenant b0 holds the whole budget in two open transactions.
    const holds = [holdConnection(app, 'b0', release.promise), holdConnection(app, 'b0', release.promise)];
    await allHeld(holds);
    expect(app.strategy.connectionBudget().inUse()).toBe(2);
    // Prisma's own timeout would have ended it with P2028 (a 500): this error is the budget's, so it came first.
    const refused = await app
      .as('b1', (p) => p.$transaction(async (tx) => tx.project.count()))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TenantUnavailableError);
    release.open();
    await allDone(holds);
    expect(await app.as('b1', (p) => p.$transaction(async (tx) => tx.project.count()))).toEqual(expect.any(Number));
  });

  it('never opens more than the budget, however many tenants run in parallel', async () => {
    const app = await boot({ budgetWaitMs: 30_000 });
    const sampler = sampleConnections(serverAdminUrl(), [...setup.databases.values()]);
    const results = await Promise.all(
      IDS.flatMap((id) => [
        sleep(app, id, 0.03),
        sleep(app, id, 0.03),
        app.as(id, (p) => p.project.create({ data: { name: `${id}-parallel` } })),
        // Prisma's maxWait (2 s by default) would give up before the budget does.
        app.as(id, (p) =>
          p.$transaction(
            async (tx) => (
              await tx.project.count(),
              tx.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id') AS s`
            ),
            { maxWait: 30_000 },
          ),
        ),
      ]),
    );
    const serverPeak = await sampler.stop();
    expect(results).toHaveLength(IDS.length * 4);
    expect(app.strategy.connectionBudget().peak()).toBe(4);
    expect(serverPeak).toBeGreaterThan(0);
    expect(serverPeak).toBeLessThanOrEqual(4);
    for (const id of IDS)
      expect(await app.as(id, (p) => p.project.count({ where: { name: `${id}-parallel` } }))).toBe(1);
  });

  it('disposes the least recently used idle tenant to make room', async () => {
    const app = await boot({ budgetWaitMs: 5_000 });
    const evicted = events(app, 'evicted');
    await Promise.all([sleep(app, 'b0'), sleep(app, 'b0')]);
    await Promise.all([sleep(app, 'b1'), sleep(app, 'b1')]);
    expect(app.strategy.connectionBudget().inUse()).toBe(4); // idle, but open
    // Within budgetWaitMs (5 s), far below pg's 10 s idle timeout: only a disposal could have made room.
    await sleep(app, 'b2', 0);
    // One idle tenant's two connections cover the one waiting: b1 keeps its pool.
    expect(evicted.map((e) => [e.tenantId, e.reason])).toEqual([['b0', 'lru']]);
    expect(app.strategy.connectionBudget().peak()).toBe(4);
  });

  it('gives idle connections of busy tenants to a waiting tenant', async () => {
    const app = await boot({ budgetWaitMs: 5_000 });
    const evicted = events(app, 'evicted');
    const release = gate();
    const held: Array<ReturnType<typeof holdConnection>> = [];
    for (const id of ['b3', 'b4']) {
      await Promise.all([sleep(app, id), sleep(app, id)]); // two connections, now idle
      held.push(holdConnection(app, id, release.promise)); // one of them busy again
    }
    await allHeld(held);
    expect(app.strategy.connectionBudget().inUse()).toBe(4);
    await sleep(app, 'b5', 0);
    expect(evicted).toEqual([]);
    release.open();
    await allDone(held);
  });

  it('when every connection is busy, a request waits budgetWaitMs, then fails with TenantUnavailableError; the rest keep going', async () => {
    const app = await boot({ budgetWaitMs: 700 });
    const release = gate();
    const held = ['b6', 'b6', 'b7', 'b7'].map((id) => holdConnection(app, id, release.promise));
    await allHeld(held);
    expect(app.strategy.connectionBudget().inUse()).toBe(4);
    const started = Date.now();
    const error = await app.as('b8', (p) => p.project.count()).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(TenantUnavailableError);
    expect((error as TenantUnavailableError).getStatus()).toBe(503);
    expect((error as Error).message).toMatch(
      /Tenant "b8" is temporarily unavailable: all 4 database connections are in use/,
    );
    // Timers never fire early; how late they fire depends on the machine's load, so no upper bound.
    expect(waited).toBeGreaterThanOrEqual(650);
    // An interactive transaction started meanwhile gets the same error, not Prisma's.
    await expect(app.as('b9', (p) => p.$transaction(async (tx) => tx.project.count()))).rejects.toBeInstanceOf(
      TenantUnavailableError,
    );
    release.open();
    await allDone(held);
    expect(await app.as('b8', (p) => p.project.count())).toEqual(expect.any(Number));
    expect(app.strategy.connectionBudget().peak()).toBe(4);
  });

  it('1,000 concurrent first requests for one tenant create exactly one client', async () => {
    const app = await boot({ budgetWaitMs: 30_000 });
    const created = events(app, 'created');
    const counts = await Promise.all(Array.from({ length: 1000 }, () => app.as('b10', (p) => p.project.count())));
    expect(new Set(counts).size).toBe(1);
    expect(created.map((e) => e.tenantId)).toEqual(['b10']);
    expect(app.strategy.connectionBudget().peak()).toBeLessThanOrEqual(2);
  });

  it('lets an interactive transaction finish when its tenant is evicted mid-flight, then closes its pool', async () => {
    const app = await boot({ budgetWaitMs: 5_000 }, { clientPool: { max: 2, idleTtlMs: 0 } });
    const evicted = events(app, 'evicted');
    const disposed = events(app, 'disposed');
    const release = gate();
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    const tx = app.as('b11', (p) =>
      p.$transaction(
        async (tx) => {
          await tx.project.create({ data: { name: 'in-flight' } });
          entered();
          await release.promise; // other tenants push b11 out of the client pool meanwhile
          await tx.project.create({ data: { name: 'in-flight-2' } });
          return tx.project.count({ where: { name: { startsWith: 'in-flight' } } });
        },
        { timeout: 120_000, maxWait: 60_000 },
      ),
    );
    await Promise.race([inFlight, tx]);
    for (const id of ['b0', 'b1']) await app.as(id, (p) => p.project.count());
    expect(evicted.map((e) => e.tenantId)).toContain('b11');
    expect(disposed.map((e) => e.tenantId)).not.toContain('b11');
    release.open();
    expect(await tx).toBe(2);
    await until(() => disposed.some((e) => e.tenantId === 'b11'), 'the evicted client of b11 is disposed');
    expect(await app.as('b11', (p) => p.project.count({ where: { name: { startsWith: 'in-flight' } } }))).toBe(2);
  });
});
