import type { PrismaClient } from '../../fixtures/generated/client';
import { sharedModelScope } from '../../../lib/strategies/rls/rls-scope';
import type { RlsTenantPool } from '../../../lib/strategies/rls/rls-tenant.pool';
import type { RlsTenancyStrategy } from '../../../lib/strategies/rls/rls.strategy';
import type { TenancyStrategyRouter } from '../../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../../lib/tenancy.internal-constants';
import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from './rls-app';

// `rls.statementCacheSize` names the statements Prisma builds, so PostgreSQL
// keeps them prepared per connection and, after a few runs, reuses one
// generic plan for every tenant. The plan must never carry a tenant: the
// policies read the setting when the statement runs. One pooled connection,
// so every statement below runs on the connection the checks look at.
const FORCE_GENERIC = 'options=-c%20plan_cache_mode%3Dforce_generic_plan';

interface Prepared {
  name: string;
  statement: string;
  generic_plans: string;
}

function rlsPool(t: RlsTestApp): Pick<RlsTenantPool, 'query'> {
  const strategy = t.app
    .get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY)
    .get('rls') as RlsTenancyStrategy<PrismaClient>;
  return (strategy as unknown as { pool: RlsTenantPool }).pool;
}

/** The package's prepared statements on the pool's one connection (asked as a shared-model query: unnamed, no reset). */
async function prepared(t: RlsTestApp): Promise<Prepared[]> {
  const result = await sharedModelScope.run(true, () =>
    rlsPool(t).query(
      `SELECT name, statement, generic_plans::text FROM pg_prepared_statements WHERE name LIKE 'npt\\_%' ORDER BY name`,
    ),
  );
  return result.rows as Prepared[];
}

describe.each(['transaction', 'session'] as const)('RLS %s mode with a statement cache', (mode) => {
  let db: TestDatabase;
  let t: RlsTestApp;
  const tenants = ['t1', 't2', 't3', 't4'];
  const own = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = `${db.appUrl}${db.appUrl.includes('?') ? '&' : '?'}${FORCE_GENERIC}`;
    t = await bootRlsApp(url, { pool: { max: 1 }, rls: { mode, statementCacheSize: 3 } });
    for (const id of tenants) own.set(id, (await t.as(id, (p) => p.project.create({ data: { name: `of ${id}` } }))).id);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('one generic plan serves every tenant, and each sees only its own rows', async () => {
    for (let round = 0; round < 12; round += 1) {
      for (const [i, id] of tenants.entries()) {
        const other = tenants[(i + 1) % tenants.length];
        const rows = await t.as(id, (p) => p.project.findMany({ where: { name: { startsWith: 'of ' } } }));
        expect(rows.map((r) => r.tenantId)).toEqual([id]);
        expect(await t.as(id, (p) => p.project.findFirst({ where: { id: own.get(other) } }))).toBeNull();
        expect(await t.as(id, (p) => p.project.findFirst({ where: { id: own.get(id) } }))).toMatchObject({
          tenantId: id,
        });
      }
    }
    // The reads ran as named statements, on generic plans: the case where a plan carrying a tenant would show.
    const statements = await prepared(t);
    const reads = statements.filter((s) => s.statement.includes('"projects"'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((s) => Number(s.generic_plans) > 0)).toBe(true);
  });

  it('keeps at most statementCacheSize statements on a connection, the least recently used closed first', async () => {
    const shapes: Array<(p: PrismaClient) => Promise<unknown>> = [
      (p: PrismaClient) => p.project.findMany({ where: { budget: 0 } }),
      (p: PrismaClient) => p.project.findMany({ where: { budget: { gt: -1 } } }),
      (p: PrismaClient) => p.project.count(),
      (p: PrismaClient) => p.project.findMany({ orderBy: { name: 'asc' } }),
      (p: PrismaClient) => p.project.findMany({ where: { name: { contains: 'of' } } }),
      (p: PrismaClient) => p.project.findMany({ select: { id: true } }),
    ];
    for (let round = 0; round < 3; round += 1)
      for (const shape of shapes) {
        const result = await t.as('t2', shape);
        expect(Array.isArray(result) ? result.length : result).toBe(1);
      }
    const statements = await prepared(t);
    expect(statements).toHaveLength(3);
    // The most recent shapes are the ones kept.
    expect(statements.some((s) => s.statement.includes('ORDER BY'))).toBe(true);
  });

  it('never names raw SQL: every distinct text would stay prepared on the server otherwise', async () => {
    for (let i = 0; i < 5; i += 1)
      await t.as('t1', (p) => p.$queryRawUnsafe(`SELECT ${i} AS n, count(*)::int AS c FROM projects`));
    const statements = await prepared(t);
    expect(statements.filter((s) => s.statement.includes('AS n'))).toEqual([]);
  });

  it.each([
    ['a single raw statement', false],
    ['an interactive transaction', true],
  ])(
    'raw SQL that deallocates the statements, in %s: the next statement resets the connection, the cache stays on',
    async (_, inTx) => {
      const read = () => t.as('t1', (p) => p.project.findFirst({ where: { id: own.get('t1') } }));
      // A write first, so no earlier raw SQL's mark resets the connection for us; then a named read.
      await t.as('t1', (p) => p.project.update({ where: { id: own.get('t1') }, data: { budget: 0 } }));
      await read();
      expect((await prepared(t)).length).toBeGreaterThan(1);
      await t.as('t1', (p) =>
        inTx ? p.$transaction((tx) => tx.$executeRawUnsafe('DEALLOCATE ALL')) : p.$executeRawUnsafe('DEALLOCATE ALL'),
      );
      // This check's own statement is named too: after a reset it is the only one.
      const others = (rows: Prepared[]) => rows.filter((s) => !s.statement.includes('pg_prepared_statements'));
      expect(others(await prepared(t))).toEqual([]);
      expect(await read()).toMatchObject({ tenantId: 't1' });
      expect((rlsPool(t) as unknown as { statements: { enabled: boolean } }).statements.enabled).toBe(true);
    },
  );

  it('a failed first run of a statement leaves the connection working and its prepared statements known', async () => {
    const id = own.get('t3')!;
    // A new statement shape (create with an explicit id), failing on the primary key as it first runs.
    await expect(t.as('t3', (p) => p.project.create({ data: { id, name: 'again' } }))).rejects.toThrow();
    await expect(t.as('t3', (p) => p.project.create({ data: { id, name: 'again' } }))).rejects.toThrow();
    expect(await t.as('t3', (p) => p.project.findFirst({ where: { id } }))).toMatchObject({ tenantId: 't3' });
    const created = await t.as('t3', (p) => p.project.create({ data: { id: `${id}-2`, name: 'of t3, too' } }));
    expect(created.tenantId).toBe('t3');
    await t.as('t3', (p) => p.project.delete({ where: { id: created.id } }));
  });

  it("a column's type changed under a prepared statement: it is re-prepared, not an error", async () => {
    const read = () => t.as('t4', (p) => p.project.findMany({ where: { name: { startsWith: 'of ' } } }));
    for (let i = 0; i < 3; i += 1) expect(await read()).toHaveLength(1);
    await withClient(db.adminUrl, (c) => c.query('ALTER TABLE projects ALTER COLUMN name TYPE varchar(500)'));
    expect((await read()).map((r) => r.tenantId)).toEqual(['t4']);
    expect((await read()).map((r) => r.tenantId)).toEqual(['t4']);
    await withClient(db.adminUrl, (c) => c.query('ALTER TABLE projects ALTER COLUMN name TYPE text'));
  });
});

describe('rls.statementCacheSize default', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(['transaction', 'session'] as const)('%s mode prepares statements by default', async (mode) => {
    const t = await bootRlsApp(db.appUrl, { pool: { max: 1 }, rls: { mode } });
    try {
      await t.as('t1', (p) => p.project.findMany());
      expect((await prepared(t)).some((s) => s.statement.includes('"projects"'))).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('rls.statementCacheSize: 0', () => {
  let db: TestDatabase;
  let t: RlsTestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootRlsApp(db.appUrl, { pool: { max: 1 }, rls: { statementCacheSize: 0 } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('sends every statement unnamed, as Prisma does', async () => {
    await t.as('t1', (p) => p.project.findMany());
    expect(await prepared(t)).toEqual([]);
  });
});
