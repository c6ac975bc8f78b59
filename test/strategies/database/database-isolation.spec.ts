import { MissingTenantError, TenantMismatchError } from '../../../lib';
import type { PrismaClient } from '../../fixtures/generated/client';
import { serverAdminUrl, withClient } from '../../support';
import { bootDatabaseApp, createDatabaseTenants, type DatabaseTenants, type DatabaseTestApp } from './database-app';
import { expectInterleavedIsolation } from '../interleaved-operations';
import { startExtraPostgres, type ExtraPostgres } from './tenant-servers';

// Tenants t0..t9 alternate between the harness's server (even) and a second
// server (odd). Each test has one tenant write and others try to see or change
// it; the database is the boundary, so nothing may ever cross it.
const IDS = Array.from({ length: 10 }, (_, i) => `t${i}`);

describe('database strategy: isolation across two servers', () => {
  let second: ExtraPostgres;
  let setup: DatabaseTenants;
  let t: DatabaseTestApp;

  beforeAll(async () => {
    second = await startExtraPostgres();
    setup = await createDatabaseTenants(IDS, [serverAdminUrl(), second.adminUrl]);
    // Not a timeout test: opening 50 connections at once on a 2-core CI box can take seconds.
    t = await bootDatabaseApp(setup.shared.appUrl, setup.tenants, {
      sharedModels: ['Plan'],
      database: { connectTimeoutMs: 20_000 },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await setup?.drop();
    await second?.destroy();
  }, 120_000);

  const seed = (tenant: string, name: string) =>
    t.as(tenant, (p) =>
      p.project.create({
        data: { name, budget: 100, tasks: { create: [{ title: `${name}-task` }] } },
        include: { tasks: true },
      }),
    );

  it('each tenant reaches its own database, on its own server', async () => {
    const where = (id: string) =>
      t.as(
        id,
        (p) =>
          p.$queryRaw<
            { db: string; port: number }[]
          >`SELECT current_database() AS db, current_setting('port')::int AS port`,
      );
    const [[a], [b]] = await Promise.all([where('t0'), where('t1')]);
    expect(a.db).toBe(setup.databases.get('t0')!.name);
    expect(b.db).toBe(setup.databases.get('t1')!.name);
    expect(b.port).toBe(second.port);
    expect(a.port).not.toBe(second.port);
  });

  it('reads: B sees none of A through any read, raw SQL included', async () => {
    const a = await seed('t0', 'a-secret');
    for (const other of ['t1', 't2']) {
      await t.as(other, async (p) => {
        expect(await p.project.findMany()).toEqual([]);
        expect(await p.project.findUnique({ where: { id: a.id } })).toBeNull();
        expect(await p.project.count()).toBe(0);
        expect((await p.project.aggregate({ _sum: { budget: true } }))._sum.budget).toBeNull();
        expect(await p.project.groupBy({ by: ['name'] })).toEqual([]);
        expect(await p.task.findMany()).toEqual([]);
        expect(await p.$queryRaw`SELECT id FROM projects`).toEqual([]);
        // Reads are not rewritten here (the database is the boundary): naming A finds nothing.
        expect(await p.project.findUnique({ where: { id: a.id, tenantId: 't0' } })).toBeNull();
      });
    }
    await t.as('t0', async (p) =>
      expect(await p.project.findUnique({ where: { id: a.id } })).toMatchObject({ name: 'a-secret' }),
    );
  });

  it('writes: B updates, deletes and raw statements touch only B', async () => {
    const a = await seed('t2', 'a-keep');
    await t.as('t3', async (p) => {
      await expect(p.project.update({ where: { id: a.id }, data: { name: 'pwned' } })).rejects.toThrow();
      expect((await p.project.updateMany({ data: { name: 'pwned' } })).count).toBe(0);
      expect((await p.project.deleteMany()).count).toBe(0);
      await expect(p.project.delete({ where: { id: a.id } })).rejects.toThrow();
      expect(await p.$executeRaw`UPDATE projects SET name = 'pwned'`).toBe(0);
      expect(await p.$executeRawUnsafe('DELETE FROM tasks')).toBe(0);
      // The same id is free in B's own database: B gets a row of its own.
      const mine = await p.project.upsert({ where: { id: a.id }, create: { id: a.id, name: 'b-own' }, update: {} });
      expect(mine.tenantId).toBe('t3');
      // A raw insert takes the tenant column's default from the tenant setting.
      await p.$executeRaw`INSERT INTO projects (id, name) VALUES ('raw-b', 'raw-b')`;
      expect((await p.project.findUnique({ where: { id: 'raw-b' } }))?.tenantId).toBe('t3');
    });
    const again = await t.as('t2', (p) => p.project.findUnique({ where: { id: a.id }, include: { tasks: true } }));
    expect(again).toMatchObject({ name: 'a-keep', budget: 100, tenantId: 't2' });
    expect(again!.tasks).toHaveLength(1);
    await withClient(setup.databases.get('t2')!.adminUrl, async (c) => {
      expect((await c.query('SELECT name, tenant_id FROM projects')).rows).toEqual([
        { name: 'a-keep', tenant_id: 't2' },
      ]);
    });
  });

  it('transactions (interactive and batch) run in the tenant database with the tenant setting; a throw rolls back', async () => {
    await t.as('t5', async (p) => {
      const seen = await p.$transaction(async (tx) => {
        await tx.project.create({ data: { name: 'tx1' } });
        const [{ s }] = await tx.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id', true) AS s`;
        return { s, count: await tx.project.count() };
      });
      expect(seen).toEqual({ s: 't5', count: 1 });
      const [count, raw] = await p.$transaction([
        p.project.count(),
        p.$queryRaw<{ db: string }[]>`SELECT current_database() AS db`,
      ]);
      expect(count).toBe(1);
      expect(raw[0].db).toBe(setup.databases.get('t5')!.name);
      await expect(
        p.$transaction(async (tx) => {
          await tx.project.create({ data: { name: 'doomed' } });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await p.project.count()).toBe(1);
    });
    await t.as('t6', async (p) => expect(await p.project.count()).toBe(0));
  });

  it('shared models live in the main database, from the shared client and from tenant clients', async () => {
    await t.prisma.shared.plan.create({ data: { id: 'pro', name: 'Pro', price: 10 } });
    await t.as('t7', (p) => p.plan.create({ data: { id: 'team', name: 'Team' } }));
    expect(await t.as('t8', (p) => p.plan.count())).toBe(2);
    await withClient(setup.databases.get('t7')!.adminUrl, async (c) =>
      expect((await c.query('SELECT * FROM plans')).rows).toEqual([]),
    );
  });

  it('fails closed: no tenant, no tenant-scoped query; a kept client is refused in another tenant', async () => {
    // Past the types: `shared` offers only shared models to the compiler; at run time the rest must still refuse.
    const shared = t.prisma.shared as unknown as PrismaClient;
    await expect(shared.project.findMany()).rejects.toBeInstanceOf(MissingTenantError);
    await expect(shared.$queryRaw`SELECT 1`).rejects.toBeInstanceOf(MissingTenantError);
    expect(() => t.prisma.client).toThrow(MissingTenantError);
    const kept = await t.as('t4', async (p) => p);
    await expect(t.as('t9', () => kept.project.count())).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(kept.project.count()).rejects.toBeInstanceOf(MissingTenantError);
  });

  it('500 interleaved concurrent operations across 10 tenants on 2 servers each see only their own rows, in their own database', async () => {
    await expectInterleavedIsolation(t, IDS, { databaseOf: (tenant) => setup.databases.get(tenant)!.name });
  });
});
