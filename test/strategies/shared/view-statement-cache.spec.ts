import type { Pool } from 'pg';
import type { PrismaClient } from '../../fixtures/generated/client';
import type { Tenant } from '../../../lib';
import type { NamedStatements } from '../../../lib/strategies/shared/named-statements';
import type { TenancyStrategyRouter } from '../../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../../lib/tenancy.internal-constants';
import { serverAdminUrl, type TestDatabase, withClient } from '../../support';
import { createDatabaseTenants, type DatabaseTenants } from '../database/database-app';
import { bootRlsApp as bootTenancyApp, type RlsTestApp } from '../rls/rls-app';
import { createSchemaTenantsDatabase } from '../schema/schema-tenants';

// `schema.statementCacheSize` and `database.statementCacheSize` name the
// statements Prisma builds, so PostgreSQL keeps them prepared per connection
// and, after a few runs (here at once: force_generic_plan), reuses one generic
// plan. In the schema strategy one connection serves every tenant in turn:
// each tenant's statements name its own schema, so they must be prepared
// apart, never one tenant's statement run for another. One connection per
// pool, so every statement below runs on the connection the checks look at.
const FORCE_GENERIC = 'options=-c%20plan_cache_mode%3Dforce_generic_plan';
const TENANTS = ['s1', 's2', 's3', 's4'];

interface Prepared {
  name: string;
  statement: string;
  generic_plans: string;
}

const withOptions = (url: string) => `${url}${url.includes('?') ? '&' : '?'}${FORCE_GENERIC}`;

/** One strategy's app, and the pg pool each tenant's statements run on (to read pg_prepared_statements there). */
interface CacheSetup {
  t: RlsTestApp;
  /** The pg pool under `tenantId`'s statements; asked directly, so nothing is named or reset. */
  poolOf(tenantId: string): Pool;
  /** Runs DDL on the table `tenantId`'s statements read. */
  alterProjects(tenantId: string, sql: string): Promise<void>;
  statements(): NamedStatements;
  close(): Promise<void>;
}

type Strategy = 'schema' | 'database';

async function setUp(strategy: Strategy, statementCacheSize?: number): Promise<CacheSetup> {
  const size = statementCacheSize === undefined ? {} : { statementCacheSize };
  const internals = (t: RlsTestApp) =>
    t.app.get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY).get(strategy) as unknown as {
      pool: Pool;
      statements: NamedStatements;
      live: Map<string, { pool: { readyPool(): Pool | undefined } }>;
    };
  if (strategy === 'schema') {
    const db: TestDatabase = await createSchemaTenantsDatabase(TENANTS);
    const tenants: Tenant[] = TENANTS.map((id) => ({ id, status: 'active' }));
    const t = await bootTenancyApp(withOptions(db.appUrl), {
      strategy: 'schema',
      strategies: ['schema'],
      tenants,
      pool: { max: 1 },
      schema: size,
    });
    return {
      t,
      poolOf: () => internals(t).pool,
      alterProjects: async (id, sql) => {
        await withClient(db.ownerUrl, (c) => c.query(`ALTER TABLE tenant_${id}.projects ${sql}`));
      },
      statements: () => internals(t).statements,
      close: async () => {
        await t.close();
        await db.drop();
      },
    };
  }
  const dbs: DatabaseTenants = await createDatabaseTenants(TENANTS, [serverAdminUrl()]);
  const tenants = dbs.tenants.map((tenant) => ({ ...tenant, databaseUrl: withOptions(tenant.databaseUrl!) }));
  const t = await bootTenancyApp(dbs.shared.appUrl, {
    strategy: 'database',
    strategies: ['database'],
    tenants,
    database: { poolSize: 1, ...size },
  });
  return {
    t,
    poolOf: (id) => internals(t).live.get(id)!.pool.readyPool()!,
    alterProjects: async (id, sql) => {
      const { adminUrl } = dbs.databases.get(id)!;
      await withClient(adminUrl, (c) => c.query(`ALTER TABLE projects ${sql}`));
    },
    statements: () => internals(t).statements,
    close: async () => {
      await t.close();
      await dbs.drop();
    },
  };
}

/** The package's prepared statements on the connection under `tenantId`'s statements. */
async function prepared(setup: CacheSetup, tenantId: string): Promise<Prepared[]> {
  const result = await setup
    .poolOf(tenantId)
    .query(
      `SELECT name, statement, generic_plans::text FROM pg_prepared_statements WHERE name LIKE 'npt\\_%' ORDER BY name`,
    );
  return result.rows as Prepared[];
}

describe.each(['schema', 'database'] as const)('%s strategy with a statement cache', (strategy) => {
  let setup: CacheSetup;
  let t: RlsTestApp;
  const own = new Map<string, string>();

  beforeAll(async () => {
    setup = await setUp(strategy);
    t = setup.t;
    for (const id of TENANTS) own.set(id, (await t.as(id, (p) => p.project.create({ data: { name: `of ${id}` } }))).id);
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('alternating tenants each read and write only their own rows, on generic plans of their own statements', async () => {
    for (let round = 0; round < 8; round += 1) {
      for (const [i, id] of TENANTS.entries()) {
        const other = TENANTS[(i + 1) % TENANTS.length];
        const rows = await t.as(id, (p) => p.project.findMany({ where: { name: { startsWith: 'of ' } } }));
        expect(rows.map((r) => r.name)).toEqual([`of ${id}`]);
        expect(await t.as(id, (p) => p.project.findFirst({ where: { id: own.get(other) } }))).toBeNull();
        expect(await t.as(id, (p) => p.project.findFirst({ where: { id: own.get(id) } }))).toMatchObject({
          name: `of ${id}`,
        });
        const made = await t.as(id, (p) => p.project.create({ data: { name: `round ${round} of ${id}` } }));
        expect(await t.as(other, (p) => p.project.findFirst({ where: { id: made.id } }))).toBeNull();
      }
    }
    // Per tenant, exactly its own rows were written.
    for (const id of TENANTS) {
      const names = (await t.as(id, (p) => p.project.findMany({ where: { name: { startsWith: 'round ' } } }))).map(
        (r) => r.name,
      );
      expect(names).toHaveLength(8);
      expect(names.every((name) => name.endsWith(` of ${id}`))).toBe(true);
    }
    // The reads ran as named statements on generic plans: the case where a plan serving two tenants would show.
    for (const id of TENANTS) {
      const statements = await prepared(setup, id);
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.some((s) => Number(s.generic_plans) > 0)).toBe(true);
      if (strategy === 'schema')
        // One connection for all: every statement names exactly one tenant's schema.
        for (const { statement } of statements)
          expect(TENANTS.filter((tenant) => statement.includes(`"tenant_${tenant}"`))).toHaveLength(1);
    }
  });

  it('never names raw SQL', async () => {
    for (let i = 0; i < 5; i += 1)
      await t.as('s1', (p) => p.$queryRawUnsafe(`SELECT ${i} AS n, count(*)::int AS c FROM projects`));
    expect((await prepared(setup, 's1')).filter((s) => s.statement.includes('AS n'))).toEqual([]);
  });

  it("raw SQL that deallocates the connection's statements: the next reads reset it and stay named", async () => {
    const read = (id: string) => t.as(id, (p) => p.project.findFirst({ where: { id: own.get(id) } }));
    // A write first: it resets the connection if earlier raw SQL marked it, so the reads below run named on it.
    await t.as('s1', (p) => p.project.update({ where: { id: own.get('s1') }, data: { budget: 0 } }));
    for (const id of ['s1', 's2']) await read(id);
    expect((await prepared(setup, 's1')).length).toBeGreaterThan(0);
    await t.as('s1', (p) => p.$executeRawUnsafe('DEALLOCATE ALL'));
    expect(await prepared(setup, 's1')).toEqual([]);
    expect(await read('s1')).toMatchObject({ name: 'of s1' });
    expect(await read('s2')).toMatchObject({ name: 'of s2' });
    // Had a read been sent by a name the server no longer held, the cache would have turned itself off.
    expect(setup.statements().enabled).toBe(true);
    expect((await prepared(setup, 's1')).length).toBeGreaterThan(0);
  });

  it('and inside an interactive transaction, where the package does not see the SQL one statement at a time', async () => {
    const read = (id: string) => t.as(id, (p) => p.project.findFirst({ where: { id: own.get(id) } }));
    await t.as('s1', (p) => p.project.update({ where: { id: own.get('s1') }, data: { budget: 0 } }));
    await read('s1');
    expect((await prepared(setup, 's1')).length).toBeGreaterThan(0);
    await t.as('s1', (p) => p.$transaction((tx) => tx.$executeRawUnsafe('DEALLOCATE ALL')));
    expect(await prepared(setup, 's1')).toEqual([]);
    expect(await read('s1')).toMatchObject({ name: 'of s1' });
    expect(setup.statements().enabled).toBe(true);
  });

  it('a failed first run of a write leaves the connection working', async () => {
    const id = own.get('s3')!;
    // A new statement shape (create with an explicit id), failing on the primary key as it first runs.
    for (let i = 0; i < 2; i += 1)
      await expect(t.as('s3', (p) => p.project.create({ data: { id, name: 'again' } }))).rejects.toThrow();
    expect(await t.as('s3', (p) => p.project.findFirst({ where: { id } }))).toMatchObject({ name: 'of s3' });
    const created = await t.as('s3', (p) => p.project.create({ data: { id: `${id}-2`, name: 'of s3, too' } }));
    expect(await t.as('s3', (p) => p.project.findFirst({ where: { id: created.id } }))).toMatchObject({
      name: 'of s3, too',
    });
    await t.as('s3', (p) => p.project.delete({ where: { id: created.id } }));
  });

  it("a column's type changed under prepared statements: reads and writes are re-prepared, not errors", async () => {
    const read = () => t.as('s4', (p) => p.project.findMany({ where: { name: { startsWith: 'of ' } } }));
    const write = (name: string) => t.as('s4', (p) => p.project.create({ data: { name } }));
    for (let i = 0; i < 3; i += 1) {
      expect(await read()).toHaveLength(1);
      await write(`typed ${i}`);
    }
    await setup.alterProjects('s4', 'ALTER COLUMN name TYPE varchar(500)');
    try {
      expect((await read()).map((r) => r.name)).toEqual(['of s4']);
      expect((await write('typed again')).name).toBe('typed again');
      expect(await read()).toHaveLength(1);
      expect(setup.statements().enabled).toBe(true);
    } finally {
      await setup.alterProjects('s4', 'ALTER COLUMN name TYPE text');
    }
  });
});

describe.each(['schema', 'database'] as const)('%s.statementCacheSize: a small cache', (strategy) => {
  let setup: CacheSetup;
  let t: RlsTestApp;
  beforeAll(async () => {
    setup = await setUp(strategy, 3);
    t = setup.t;
    for (const id of TENANTS) await t.as(id, (p) => p.project.create({ data: { name: `of ${id}` } }));
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('keeps at most statementCacheSize statements on a connection, the least recently used closed first', async () => {
    const shapes: Array<(p: PrismaClient) => Promise<unknown>> = [
      (p) => p.project.findMany({ where: { name: 'of s2', budget: 0 } }),
      (p) => p.project.findMany({ where: { name: 'of s2', budget: { gt: -1 } } }),
      (p) => p.project.count({ where: { name: 'of s2' } }),
      (p) => p.project.findMany({ where: { name: 'of s2' }, orderBy: { name: 'asc' } }),
      (p) => p.project.findMany({ where: { name: { in: ['of s2', 'none'] } } }),
      (p) => p.project.findMany({ where: { name: 'of s2' }, select: { id: true } }),
    ];
    for (let round = 0; round < 3; round += 1)
      for (const shape of shapes) {
        const result = await t.as('s2', shape);
        expect(Array.isArray(result) ? result.length : result).toBe(1);
      }
    const statements = await prepared(setup, 's2');
    expect(statements).toHaveLength(3);
    expect(statements.some((s) => s.statement.includes('ORDER BY'))).toBe(true);
  });

  // Four tenants' statements in turn on one connection with room for three:
  // a plain LRU would miss every time and prepare (and close) a statement on
  // every read, costing PostgreSQL more than unnamed statements. Once misses
  // dominate, most run unnamed and the cache keeps statements that come back.
  it('a working set larger than the cache: most statements run unnamed, and those kept are hit', async () => {
    const before = setup.statements().stats();
    // Schema: each tenant's statement is its own (it names its schema). Database: one tenant, four shapes.
    const reads: Array<[string, (p: PrismaClient) => Promise<unknown>]> =
      strategy === 'schema'
        ? TENANTS.map((id) => [id, (p) => p.project.findMany({ where: { name: `of ${id}` } })])
        : [
            (p: PrismaClient) => p.project.findMany({ where: { name: 'of s1' } }),
            (p: PrismaClient) => p.project.findMany({ where: { name: { startsWith: 'of s1' } } }),
            (p: PrismaClient) => p.project.findMany({ where: { name: { endsWith: 'of s1' } } }),
            (p: PrismaClient) => p.project.findMany({ where: { name: { in: ['of s1'] } } }),
          ].map((read) => ['s1', read]);
    for (let round = 0; round < 100; round += 1)
      for (const [id, read] of reads) {
        const rows = (await t.as(id, read)) as Array<{ name: string }>;
        expect(rows.every((r) => r.name === `of ${id}`)).toBe(true);
      }
    const after = setup.statements().stats();
    const admitted = after.admitted - before.admitted;
    const hits = after.hits - before.hits;
    // 400 reads: a plain LRU admits all 400 and hits none.
    expect(admitted).toBeLessThan(100);
    expect(hits).toBeGreaterThan(100);
    expect(after.passed - before.passed).toBeGreaterThan(0);
    expect((await prepared(setup, reads[0][0])).length).toBeLessThanOrEqual(3);
  });
});

describe.each(['schema', 'database'] as const)('%s.statementCacheSize default and 0', (strategy) => {
  it.each([
    ['by default', undefined, true],
    ['not with 0', 0, false],
  ] as const)('prepares statements %s', async (_, size, expected) => {
    const setup = await setUp(strategy, size);
    try {
      await setup.t.as('s1', (p) => p.project.findMany());
      await setup.t.as('s1', (p) => p.project.create({ data: { name: 'x' } }));
      const statements = await prepared(setup, 's1');
      expect(statements.some((s) => s.statement.startsWith('SELECT'))).toBe(expected);
      expect(statements.some((s) => s.statement.startsWith('INSERT'))).toBe(expected);
      expect(setup.statements().enabled).toBe(expected);
    } finally {
      await setup.close();
    }
  });
});
