import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import {
  InMemoryTenantStore,
  TenancyConfigError,
  TenantCache,
  TenantNotFoundError,
  TenantRunner,
  type Tenant,
  type TenantRunResult,
} from '../../lib';
import { PrismaTenantStore } from '../../lib/registry';
import { createTestDatabase, type TestDatabase } from '../support';
import { bootRlsApp, type RlsTestApp } from '../strategies/rls/rls-app';

const ACTIVE = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];
const INACTIVE: Tenant[] = [
  { id: 'rsusp', status: 'suspended' },
  { id: 'rprov', status: 'provisioning' },
];

/** The configured store, and how a test changes a tenant's status behind the runner's back. */
interface StoreSetup {
  label: string;
  create(db: TestDatabase): Promise<{
    store: InMemoryTenantStore | PrismaTenantStore;
    setStatus(app: RlsTestApp, tenant: Tenant): Promise<void>;
    close(): Promise<void>;
  }>;
}

const tenants: Tenant[] = [...ACTIVE.map((id) => ({ id, status: 'active' as const })), ...INACTIVE];

const STORES: StoreSetup[] = [
  {
    label: 'InMemoryTenantStore',
    create: async () => {
      const store = new InMemoryTenantStore(tenants);
      return {
        store,
        setStatus: async (app, tenant) => {
          store.set(tenant);
          app.app.get(TenantCache).invalidate(tenant.id);
        },
        close: async () => undefined,
      };
    },
  },
  {
    label: 'PrismaTenantStore',
    create: async (db) => {
      const pool = new Pool({ connectionString: db.ownerUrl, max: 3 });
      const store = new PrismaTenantStore(pool);
      await store.migrate();
      for (const tenant of tenants) await store.create({ id: tenant.id, status: tenant.status });
      // The store's writes invalidate the module's cache itself.
      return {
        store,
        setStatus: async (_app, tenant) => void (await store.setStatus(tenant.id, tenant.status)),
        close: () => pool.end(),
      };
    },
  },
];

describe.each(STORES)('TenantRunner.forEachTenant with $label', (setup) => {
  let db: TestDatabase;
  let t: RlsTestApp;
  let runner: TenantRunner;
  let stored: Awaited<ReturnType<StoreSetup['create']>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    stored = await setup.create(db);
    t = await bootRlsApp(db.appUrl, { tenants: undefined, store: stored.store });
    runner = t.app.get(TenantRunner);
    // Tenant r<i> owns i + 1 projects.
    for (const [i, id] of ACTIVE.entries())
      await t.as(id, (p) =>
        p.project.createMany({ data: Array.from({ length: i + 1 }, (_, n) => ({ name: `${id}-p${n}` })) }),
      );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await stored?.close();
    await db?.drop();
  });

  const ids = (lines: TenantRunResult<unknown>[]) => lines.map((line) => line.tenantId);

  it("runs fn inside each active tenant's context, each run seeing only its own rows", async () => {
    const report = await runner.forEachTenant(async (tenant) => {
      expect(t.context.tenantId).toBe(tenant.id);
      // The raw read goes through RLS as well as the typed one.
      const typed = await t.prisma.client.project.findMany({ orderBy: { name: 'asc' } });
      const raw = await t.prisma.client.$queryRaw<{ tenant_id: string }[]>`SELECT tenant_id FROM projects`;
      expect(raw.every((row) => row.tenant_id === tenant.id)).toBe(true);
      return typed.map((project) => project.name);
    });
    expect(ids(report.tenants)).toEqual(ACTIVE);
    for (const [i, line] of report.tenants.entries()) {
      expect(line.status).toBe('ok');
      const names = line.status === 'ok' ? line.value : [];
      expect(names).toEqual(Array.from({ length: i + 1 }, (_, n) => `${line.tenantId}-p${n}`));
      expect(line.durationMs).toBeGreaterThan(0);
    }
    expect(report.totals).toMatchObject({ tenants: 6, ok: 6, failed: 0, skipped: 0 });
    expect(report.totals.durationMs).toBeGreaterThan(0);
    expect(report.aborted).toBe(false);
  });

  it("isolates one tenant's failure: the others run and the report carries its error", async () => {
    const boom = new Error('r2 broke');
    const report = await runner.forEachTenant(async (tenant) => {
      if (tenant.id === 'r2') throw boom;
      return t.prisma.client.project.count();
    });
    const failed = report.tenants.filter((line) => line.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ tenantId: 'r2', status: 'failed', error: boom })]);
    expect(report.tenants.filter((line) => line.status === 'ok').map((line) => [line.tenantId, line.value])).toEqual([
      ['r0', 1],
      ['r1', 2],
      ['r3', 4],
      ['r4', 5],
      ['r5', 6],
    ]);
    expect(report.totals).toMatchObject({ tenants: 6, ok: 5, failed: 1, skipped: 0 });
  });

  it.each([1, 2, 4])('runs at most %i tenants at once (and uses that many)', async (concurrency) => {
    let running = 0;
    let peak = 0;
    const report = await runner.forEachTenant(
      async () => {
        peak = Math.max(peak, ++running);
        await t.prisma.client.project.count();
        await sleep(40);
        running--;
      },
      { concurrency },
    );
    expect(report.totals.ok).toBe(6);
    expect(peak).toBe(concurrency);
  });

  it('defaults to 4 at once', async () => {
    let running = 0;
    let peak = 0;
    await runner.forEachTenant(async () => {
      peak = Math.max(peak, ++running);
      await sleep(40);
      running--;
    });
    expect(peak).toBe(4);
  });

  it('reports listed tenants that are not active, and those left out by the filter, as skipped', async () => {
    const report = await runner.forEachTenant(async (tenant) => tenant.id, {
      statuses: ['active', 'suspended', 'provisioning'],
      filter: (tenant) => tenant.id !== 'r1',
    });
    const byId = new Map(report.tenants.map((line) => [line.tenantId, line]));
    expect([...byId.keys()].sort()).toEqual([...ACTIVE, 'rprov', 'rsusp'].sort());
    expect(byId.get('rsusp')).toEqual({ tenantId: 'rsusp', status: 'skipped', durationMs: 0, reason: 'inactive' });
    expect(byId.get('rprov')).toMatchObject({ status: 'skipped', reason: 'inactive' });
    expect(byId.get('r1')).toMatchObject({ status: 'skipped', reason: 'filtered' });
    expect(report.totals).toMatchObject({ tenants: 8, ok: 5, failed: 0, skipped: 3 });
  });

  it('skips a tenant suspended after the listing (refused at the door), without counting it as failed', async () => {
    try {
      const report = await runner.forEachTenant(
        async (tenant) => {
          if (tenant.id === 'r0') await stored.setStatus(t, { id: 'r4', status: 'suspended' });
          return tenant.id;
        },
        { concurrency: 1 },
      );
      expect(report.tenants.find((line) => line.tenantId === 'r4')).toMatchObject({
        status: 'skipped',
        reason: 'inactive',
      });
      expect(report.totals).toMatchObject({ ok: 5, skipped: 1, failed: 0 });
    } finally {
      await stored.setStatus(t, { id: 'r4', status: 'active' });
    }
  });

  it("counts the work's own tenant errors as failures (only the runner's lookup means skipped)", async () => {
    const report = await runner.forEachTenant(
      (tenant) => (tenant.id === 'r3' ? t.context.run('nobody', async () => 1) : 0),
      { concurrency: 2 },
    );
    const line = report.tenants.find((l) => l.tenantId === 'r3');
    expect(line).toMatchObject({ status: 'failed' });
    expect(line?.status === 'failed' && line.error).toBeInstanceOf(TenantNotFoundError);
  });

  it('stops starting tenants once the signal is aborted; the rest are reported as aborted', async () => {
    const controller = new AbortController();
    const report = await runner.forEachTenant(
      async (tenant) => {
        if (tenant.id === 'r1') controller.abort();
        return tenant.id;
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(report.tenants.map((line) => [line.tenantId, line.status])).toEqual([
      ['r0', 'ok'],
      ['r1', 'ok'],
      ['r2', 'skipped'],
      ['r3', 'skipped'],
      ['r4', 'skipped'],
      ['r5', 'skipped'],
    ]);
    expect(report.tenants[2]).toMatchObject({ reason: 'aborted' });
    expect(report.aborted).toBe(true);
  });

  it('refuses invalid options with TenancyConfigError naming the field, running nothing', async () => {
    let ran = 0;
    const work = async () => void ran++;
    for (const concurrency of [0, -1, 1.5, Number.NaN])
      await expect(runner.forEachTenant(work, { concurrency })).rejects.toMatchObject({ field: 'concurrency' });
    await expect(runner.forEachTenant(work, { statuses: ['bogus' as 'active'] })).rejects.toBeInstanceOf(
      TenancyConfigError,
    );
    await expect(runner.forEachTenant(work, { statuses: ['bogus' as 'active'] })).rejects.toMatchObject({
      field: 'statuses',
    });
    expect(ran).toBe(0);
  });
});

describe('TenantRunner with a store that cannot list', () => {
  it("throws TenancyConfigError (field store) naming what's missing", async () => {
    const db = await createTestDatabase();
    const t = await bootRlsApp(db.appUrl, {
      tenants: undefined,
      store: { findById: async (id: string) => ({ id, status: 'active' as const }) },
    });
    try {
      const error = await t.app
        .get(TenantRunner)
        .forEachTenant(async () => 1)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TenancyConfigError);
      expect(error).toMatchObject({ field: 'store', message: expect.stringContaining('list(') });
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
