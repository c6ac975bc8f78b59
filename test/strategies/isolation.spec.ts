import { makeTypedQueryFactory } from '@prisma/client/runtime/client';
import { Prisma, type PrismaClient } from '../fixtures/generated/client';
import { MissingTenantError, TenantMismatchError, type TenancyModuleOptions } from '../../lib';
import { createTestDatabase, serverAdminUrl, type TestDatabase } from '../support';
import { createDatabaseTenants } from './database/database-app';
import { bootRlsApp as bootTenancyApp, TEST_TENANTS, type RlsTestApp } from './rls/rls-app';
import { expectInterleavedIsolation } from './interleaved-operations';
import { createSchemaTenantsDatabase } from './schema/schema-tenants';

interface IsolationSetup {
  label: string;
  /** Whether the database itself enforces isolation with RLS policies (vs. separate schemas or databases). */
  rls: boolean;
  /** What `current_schemas(false)` shows in a tenant's raw SQL. */
  schemaOf: (tenantId: string) => string;
  /** Creates the databases and boots the module on them. */
  boot: () => Promise<{ app: RlsTestApp; drop: () => Promise<void> }>;
}

const ACTIVE_IDS = TEST_TENANTS.filter((x) => x.status === 'active').map((x) => x.id);

function onDatabase(database: () => Promise<TestDatabase>, options: Partial<TenancyModuleOptions<PrismaClient>>) {
  return async () => {
    const db = await database();
    return { app: await bootTenancyApp(db.appUrl, options), drop: () => db.drop() };
  };
}

const SETUPS: IsolationSetup[] = [
  {
    label: 'rls, transaction mode',
    rls: true,
    schemaOf: () => 'public',
    boot: onDatabase(createTestDatabase, { rls: { mode: 'transaction' } }),
  },
  {
    label: 'rls, session mode',
    rls: true,
    schemaOf: () => 'public',
    boot: onDatabase(createTestDatabase, { rls: { mode: 'session' } }),
  },
  {
    label: 'schema',
    rls: false,
    schemaOf: (id) => `tenant_${id}`,
    boot: onDatabase(() => createSchemaTenantsDatabase(ACTIVE_IDS), { strategy: 'schema', strategies: ['schema'] }),
  },
  {
    label: 'database',
    rls: false,
    schemaOf: () => 'public',
    boot: async () => {
      const setup = await createDatabaseTenants(ACTIVE_IDS, [serverAdminUrl()]);
      const tenants = [...setup.tenants, ...TEST_TENANTS.filter((x) => x.status !== 'active')];
      // Not a timeout test: many first connections at once on a 2-core CI box can take seconds.
      const app = await bootTenancyApp(setup.shared.appUrl, {
        strategy: 'database',
        strategies: ['database'],
        tenants,
        sharedModels: ['Plan'],
        database: { connectTimeoutMs: 20_000 },
      });
      return { app, drop: () => setup.drop() };
    },
  },
];

// Every isolation claim, for every strategy. Each test has tenant t0 write and
// another tenant try to see or change it: if anything leaked, an assertion
// here would fail.
describe.each(SETUPS)('isolation: $label', (setup) => {
  let t: RlsTestApp;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ app: t, drop } = await setup.boot());
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  }, 120_000);

  async function seedA() {
    return t.as('t0', (p) =>
      p.project.create({
        data: { name: 'a-secret', budget: 100, tasks: { create: [{ title: 'a-task' }] } },
        include: { tasks: true },
      }),
    );
  }

  it('reads: B never sees A rows through any read operation', async () => {
    const a = await seedA();
    await t.as('t1', async (p) => {
      expect(await p.project.findMany({ where: { name: 'a-secret' } })).toEqual([]);
      expect(await p.project.findFirst({ where: { id: a.id } })).toBeNull();
      expect(await p.project.findUnique({ where: { id: a.id } })).toBeNull();
      await expect(p.project.findUniqueOrThrow({ where: { id: a.id } })).rejects.toThrow();
      await expect(p.project.findFirstOrThrow({ where: { id: a.id } })).rejects.toThrow();
      expect(await p.project.count({ where: { id: a.id } })).toBe(0);
      expect((await p.project.aggregate({ where: { id: a.id }, _sum: { budget: true } }))._sum.budget).toBeNull();
      expect(await p.project.groupBy({ by: ['name'], where: { name: 'a-secret' } })).toEqual([]);
      expect(await p.task.findMany({ where: { projectId: a.id } })).toEqual([]);
      expect(await p.task.findUnique({ where: { id: a.tasks[0].id } })).toBeNull();
      // A filter naming A's tenant finds nothing: RLS reads go past the extension to the
      // policies (the read fast path); with a schema per tenant, B's tables hold no such row.
      expect(await p.project.findUnique({ where: { id: a.id, tenantId: 't0' } })).toBeNull();
      expect(await p.project.findFirst({ where: { tenantId: 't0' } })).toBeNull();
      expect(await p.project.count({ where: { tenantId: 't0' } })).toBe(0);
      expect(await p.project.findMany({ where: { tenantId: { in: ['t0', 't1'] }, name: 'a-secret' } })).toEqual([]);
      // Fluent relation reads and nested includes.
      expect(await p.project.findUnique({ where: { id: a.id } }).tasks()).toBeNull();
      expect(await p.task.findMany({ include: { project: true }, where: { title: 'a-task' } })).toEqual([]);
    });
    await t.as('t0', async (p) => {
      expect(await p.project.findUnique({ where: { id: a.id } })).not.toBeNull();
      expect((await p.project.findUnique({ where: { id: a.id } }).tasks())?.map((task) => task.title)).toEqual([
        'a-task',
      ]);
    });
  });

  it('writes: B cannot update, upsert, delete or attach to A rows', async () => {
    const a = await seedA();
    await t.as('t1', async (p) => {
      await expect(p.project.update({ where: { id: a.id }, data: { name: 'pwned' } })).rejects.toThrow();
      expect((await p.project.updateMany({ where: { id: a.id }, data: { name: 'pwned' } })).count).toBe(0);
      expect((await p.project.updateMany({ data: { budget: 1 } })).count).toBe(0);
      // Prisma's native upsert (INSERT ... ON CONFLICT DO UPDATE WHERE tenant) either
      // fails on the policy (PostgreSQL 15) or touches nothing and returns null (18).
      // With separate schemas the id is free in B's own table: B gets a row of its own.
      const upserted = await p.project
        .upsert({ where: { id: a.id }, create: { id: a.id, name: 'pwned' }, update: { name: 'pwned' } })
        .catch((e: Error) => e);
      expect(upserted === null || upserted instanceof Error || upserted.tenantId === 't1').toBe(true);
      if (upserted && !(upserted instanceof Error)) await p.project.delete({ where: { id: a.id } });
      await expect(p.project.delete({ where: { id: a.id } })).rejects.toThrow();
      expect((await p.project.deleteMany({ where: { id: a.id } })).count).toBe(0);
      expect((await p.task.deleteMany({})).count).toBe(0);
      // Nested write through A's project is not found.
      await expect(
        p.project.update({ where: { id: a.id }, data: { tasks: { create: [{ title: 'x' }] } } }),
      ).rejects.toThrow();
      // Moving a row to A's tenant, or creating one there, is refused.
      await expect(p.project.create({ data: { name: 'x', tenantId: 't0' } })).rejects.toBeInstanceOf(
        TenantMismatchError,
      );
      await expect(p.project.createMany({ data: [{ name: 'x', tenantId: 't0' }] })).rejects.toBeInstanceOf(
        TenantMismatchError,
      );
      await expect(p.project.updateMany({ data: { tenantId: 't0' } })).rejects.toBeInstanceOf(TenantMismatchError);
    });
    await t.as('t0', async (p) => {
      const again = await p.project.findUnique({ where: { id: a.id }, include: { tasks: true } });
      expect(again).toMatchObject({ name: 'a-secret', budget: 100 });
      expect(again!.tasks).toHaveLength(1);
    });
  });

  it('creates: B writes land in B, with nested creates, createMany and upsert', async () => {
    const created = await t.as('t2', async (p) => {
      const project = await p.project.create({
        data: { name: 'b', tasks: { create: [{ title: 'nested' }] } },
        include: { tasks: true },
      });
      await p.project.createMany({ data: [{ name: 'b2' }, { name: 'b3' }] });
      await p.project.upsert({ where: { id: 'b-upsert' }, create: { id: 'b-upsert', name: 'b4' }, update: {} });
      return project;
    });
    expect(created.tenantId).toBe('t2');
    expect(created.tasks[0].tenantId).toBe('t2');
    await t.as('t3', async (p) => expect(await p.project.count()).toBe(0));
    await t.as('t2', async (p) => expect(await p.project.count()).toBe(4));
  });

  it('raw SQL is scoped (policies, or the search path)', async () => {
    await seedA();
    await t.as('t4', async (p) => {
      await p.project.create({ data: { name: 'mine' } });
      const rows = await p.$queryRaw<{ tenant_id: string }[]>`SELECT tenant_id FROM projects`;
      expect(rows.map((r) => r.tenant_id)).toEqual(['t4']);
      expect(await p.$executeRaw`UPDATE projects SET name = 'raw'`).toBe(1);
      // Unqualified names resolve to the tenant's own tables only, never to public.
      const [{ schemas }] = await p.$queryRaw<
        { schemas: string }[]
      >`SELECT array_to_string(current_schemas(false), ',') AS schemas`;
      expect(schemas).toBe(setup.schemaOf('t4'));
      expect(await p.$executeRawUnsafe(`DELETE FROM tasks`)).toBe(0);
      // Inserting a row for another tenant: rejected by WITH CHECK under RLS; in B's own schema otherwise.
      const insert = p.$executeRaw`INSERT INTO projects (id, tenant_id, name) VALUES ('raw-x', 't0', 'raw-x')`;
      if (setup.rls) await expect(insert).rejects.toThrow(/row-level security/);
      else await insert;
      const [{ setting }] = await p.$queryRaw<
        { setting: string }[]
      >`SELECT current_setting('app.tenant_id', true) AS setting`;
      expect(setting).toBe('t4');
    });
    await t.as('t0', async (p) => {
      expect(await p.project.count({ where: { name: 'raw' } })).toBe(0);
      expect(await p.$queryRaw`SELECT id FROM projects WHERE name = 'raw-x'`).toEqual([]);
    });
  });

  // Operations the package lists by name are not the only ones Prisma has: typed SQL
  // ($queryRawTyped) must be scoped like raw SQL, never run as a plain read in `public`.
  it('typed SQL is scoped like raw SQL', async () => {
    await seedA();
    const typedQuery = (sql: string) => makeTypedQueryFactory(sql)();
    await t.as('t4', async (p) => {
      await p.project.create({ data: { name: 'typed-mine' } });
      const mine = (await p.$queryRawTyped(typedQuery("SELECT tenant_id FROM projects WHERE name = 'typed-mine'"))) as {
        tenant_id: string;
      }[];
      expect(mine.map((r) => r.tenant_id)).toEqual(['t4']);
      expect(await p.$queryRawTyped(typedQuery("SELECT id FROM projects WHERE name = 'a-secret'"))).toEqual([]);
      const [{ schemas }] = (await p.$queryRawTyped(
        typedQuery("SELECT array_to_string(current_schemas(false), ',') AS schemas"),
      )) as { schemas: string }[];
      expect(schemas).toBe(setup.schemaOf('t4'));
      const [{ setting }] = (await p.$queryRawTyped(
        typedQuery("SELECT current_setting('app.tenant_id', true) AS setting"),
      )) as { setting: string }[];
      expect(setting).toBe('t4');
    });
    // Past the types (`shared` offers no raw SQL to the compiler), it must still refuse.
    const shared = t.prisma.shared as unknown as PrismaClient;
    await expect(shared.$queryRawTyped(typedQuery('SELECT 1'))).rejects.toBeInstanceOf(MissingTenantError);
  });

  it('fails closed: no tenant, no query', async () => {
    // Past the types: `shared` offers only shared models to the compiler; at run time the rest must still refuse.
    const client = t.prisma.shared as unknown as PrismaClient;
    await expect(client.project.findMany()).rejects.toBeInstanceOf(MissingTenantError);
    await expect(client.project.findUnique({ where: { id: 'x' } })).rejects.toBeInstanceOf(MissingTenantError);
    await expect(client.project.create({ data: { name: 'x' } })).rejects.toBeInstanceOf(MissingTenantError);
    await expect(client.$queryRaw`SELECT 1`).rejects.toBeInstanceOf(MissingTenantError);
    await expect(client.$executeRawUnsafe('DELETE FROM projects')).rejects.toBeInstanceOf(MissingTenantError);
    await expect(client.$transaction(async (tx) => tx.$queryRaw`SELECT 1`)).rejects.toBeInstanceOf(MissingTenantError);
    expect(() => t.prisma.client).toThrow(MissingTenantError);
    expect(() => t.context.tenantId).toThrow(MissingTenantError);
    // Shared models work without a tenant.
    await client.plan.upsert({ where: { id: 'free' }, create: { id: 'free', name: 'Free' }, update: {} });
    expect(await client.plan.findUnique({ where: { id: 'free' } })).toMatchObject({ name: 'Free' });
    // ... and through any tenant's client, reads and writes alike, one table for all.
    expect(await t.as('t3', (p) => p.plan.findUnique({ where: { id: 'free' } }))).toMatchObject({ name: 'Free' });
    await t.as('t3', (p) => p.plan.upsert({ where: { id: 'team' }, create: { id: 'team', name: 'Team' }, update: {} }));
    expect(
      (
        await t.as('t4', (p) => p.plan.findMany({ where: { id: { in: ['free', 'team'] } }, orderBy: { id: 'asc' } }))
      ).map((plan) => plan.id),
    ).toEqual(['free', 'team']);
    expect(await t.as('t4', (p) => p.plan.count({ where: { id: 'team' } }))).toBe(1);
  });

  it("a client kept past its tenant's context never serves that tenant's data to another", async () => {
    await t.as('t0', (p) => p.project.create({ data: { name: 'kept-a' } }));
    const kept = await t.as('t0', async (p) => p);
    const read = await t.as('t1', () => kept.project.findMany({ where: { name: 'kept-a' } })).catch((e: unknown) => e);
    const write = await t.as('t1', () => kept.project.create({ data: { name: 'kept-b' } })).catch((e: unknown) => e);
    const raw = await t
      .as('t1', () => kept.$queryRaw`SELECT id FROM projects WHERE name = 'kept-a'`)
      .catch((e: unknown) => e);
    if (setup.rls) {
      // One client serves every tenant: it follows the context it is used in.
      expect(read).toEqual([]);
      expect(raw).toEqual([]);
      expect(await t.as('t1', (p) => p.project.count({ where: { name: 'kept-b' } }))).toBe(1);
    } else {
      // A per-tenant client refuses another tenant's context, as a typed 403 (not a Prisma error, not a 500).
      for (const outcome of [read, write, raw]) {
        expect(outcome).toBeInstanceOf(TenantMismatchError);
        expect((outcome as TenantMismatchError).getStatus()).toBe(403);
      }
    }
    expect(await t.as('t0', (p) => p.project.count({ where: { name: 'kept-b' } }))).toBe(0);
    await expect(kept.project.findMany()).rejects.toBeInstanceOf(MissingTenantError);
  });

  it('interactive and batch transactions keep the tenant on every statement', async () => {
    await t.as('t5', async (p) => {
      const seen = await p.$transaction(async (tx) => {
        await tx.project.create({ data: { name: 'tx1' } });
        const [{ s }] = await tx.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id', true) AS s`;
        await tx.project.create({ data: { name: 'tx2' } });
        return { s, count: await tx.project.count() };
      });
      expect(seen).toEqual({ s: 't5', count: 2 });
      const [count, raw] = await p.$transaction([
        p.project.count(),
        p.$queryRaw<{ tenant_id: string }[]>`SELECT tenant_id FROM projects`,
      ]);
      expect(count).toBe(2);
      expect(new Set(raw.map((r) => r.tenant_id))).toEqual(new Set(['t5']));
      const [, , serializable] = await p.$transaction(
        [
          p.project.count(),
          p.project.count(),
          p.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id', true) AS s`,
        ],
        { isolationLevel: Prisma.TransactionIsolationLevel.Serializable },
      );
      expect(serializable[0].s).toBe('t5');
    });
  });

  it('a transaction that throws rolls back every write', async () => {
    await t.as('t6', async (p) => {
      await expect(
        p.$transaction(async (tx) => {
          await tx.project.create({ data: { name: 'doomed1' } });
          await tx.$executeRaw`INSERT INTO projects (id, name) VALUES ('doomed-raw', 'doomed2')`;
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await expect(
        p.$transaction([
          p.project.create({ data: { name: 'doomed3' } }),
          p.project.create({ data: { id: 'dup', name: 'x' } }),
          p.project.create({ data: { id: 'dup', name: 'y' } }),
        ]),
      ).rejects.toThrow();
      expect(await p.project.count()).toBe(0);
    });
  });

  it('500 interleaved concurrent operations across 10 tenants each see only their own rows', async () => {
    await expectInterleavedIsolation(
      t,
      Array.from({ length: 10 }, (_, i) => `t${i}`),
    );
  });

  it('findUnique calls of different tenants in the same tick are not merged into one tenant', async () => {
    // Prisma batches findUnique calls made in one tick and runs the batch in the
    // first caller's async context; released together by one gate, these would
    // all run as one tenant if the package did not confine batching.
    const tenants = ['t0', 't1', 't2', 't3'];
    const ids = await Promise.all(
      tenants.map((id) => t.as(id, (p) => p.project.create({ data: { name: `gate-${id}` } }))),
    );
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const lookups = tenants.map((id, i) =>
      t.as(id, async (p) => {
        await gate;
        return Promise.all([
          p.project.findUnique({ where: { id: ids[i].id } }),
          p.project.findUniqueOrThrow({ where: { id: ids[i].id } }),
        ]);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    open();
    const results = await Promise.all(lookups);
    results.forEach(([found, orThrow], i) => {
      expect(found?.tenantId).toBe(tenants[i]);
      expect(orThrow.tenantId).toBe(tenants[i]);
    });
  });

  it('nested run() restores the outer tenant, and context survives timers and Promise.all', async () => {
    await t.context.run('t7', async () => {
      expect(t.context.tenantId).toBe('t7');
      await t.context.run('t8', async () => {
        await new Promise((r) => setTimeout(r, 5));
        expect(t.context.tenantId).toBe('t8');
        const [{ s }] = await t.prisma.client.$queryRaw<
          { s: string }[]
        >`SELECT current_setting('app.tenant_id', true) AS s`;
        expect(s).toBe('t8');
      });
      const results = await Promise.all(
        [1, 2, 3].map(async () => {
          await new Promise((r) => setImmediate(r));
          return t.context.tenantId;
        }),
      );
      expect(results).toEqual(['t7', 't7', 't7']);
    });
    expect(t.context.hasTenant()).toBe(false);
  });

  it('run() refuses unknown, inactive and malformed tenants before running anything', async () => {
    const fn = jest.fn();
    await expect(t.context.run('nope', fn)).rejects.toMatchObject({ errorCode: 'TENANT_NOT_FOUND' });
    await expect(t.context.run('suspended1', fn)).rejects.toMatchObject({ errorCode: 'TENANT_INACTIVE' });
    await expect(t.context.run("x'; DROP TABLE projects; --", fn)).rejects.toMatchObject({
      errorCode: 'TENANT_ID_INVALID',
    });
    expect(fn).not.toHaveBeenCalled();
  });
});
