import type { PrismaClient } from '../../fixtures/generated/client';
import { sharedModelScope } from '../../../lib/strategies/rls/rls-scope';
import type { RlsTenantPool } from '../../../lib/strategies/rls/rls-tenant.pool';
import type { RlsTenancyStrategy } from '../../../lib/strategies/rls/rls.strategy';
import type { TenancyStrategyRouter } from '../../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../../lib/tenancy.internal-constants';
import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from './rls-app';

// Transaction mode runs each statement Prisma builds in one implicit
// transaction (set_config, statement, one Sync: lib/strategies/shared/
// implicit-transaction.query.ts). With one pooled connection, every check
// below runs on the connection the statement just used.
describe('RLS transaction mode: one implicit transaction per statement', () => {
  let db: TestDatabase;
  let t: RlsTestApp;
  let pool: Pick<RlsTenantPool, 'query'>;

  // What the connection carries once the statement is over: asked with no tenant, as a shared-model query is.
  // `fresh`: its transaction began after the previous statement ended (one left open would have begun before).
  // Compared with the client's clock, not statement_timestamp(): a named (prepared) statement's transaction
  // begins at its Bind, before the Execute that sets statement_timestamp().
  const after = async () => {
    // 5 ms after the statement, less 1 ms for the clocks' rounding: a transaction left open began before it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ended = new Date(Date.now() - 1);
    return (
      await sharedModelScope.run(true, () =>
        pool.query(
          `SELECT COALESCE(current_setting('app.tenant_id', true), '') AS s, txid_current_if_assigned() AS tx, now() >= $1 AS fresh`,
          [ended],
        ),
      )
    ).rows[0] as { s: string; tx: string | null; fresh: boolean };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootRlsApp(db.appUrl, { pool: { max: 1 } });
    const strategy = t.app
      .get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY)
      .get('rls') as RlsTenancyStrategy<PrismaClient>;
    pool = (strategy as unknown as { pool: RlsTenantPool }).pool;
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('a read runs as its tenant, and the setting and the transaction end with it', async () => {
    await t.as('t1', (p) => p.project.create({ data: { id: 'it-1', name: 'of t1' } }));
    expect(await t.as('t1', (p) => p.project.findMany())).toMatchObject([{ id: 'it-1', tenantId: 't1' }]);
    expect(await t.as('t2', (p) => p.project.findMany())).toEqual([]);
    // No setting left, no transaction open (a new one starts with the next statement).
    expect(await after()).toEqual({ s: '', tx: null, fresh: true });
  });

  it('a write commits at the end of its statement, seen at once from another connection', async () => {
    await t.as('t3', (p) => p.project.update({ where: { id: 'it-1' }, data: { name: 'x' } }).catch(() => undefined));
    await t.as('t1', (p) => p.project.update({ where: { id: 'it-1' }, data: { name: 'renamed' } }));
    const seen = await withClient(db.adminUrl, (c) =>
      c.query(`SELECT tenant_id, name FROM projects WHERE id = 'it-1'`),
    );
    expect(seen.rows).toEqual([{ tenant_id: 't1', name: 'renamed' }]);
    expect(await after()).toEqual({ s: '', tx: null, fresh: true });
  });

  it('a failing statement rolls back with its setting, and the connection serves the next tenant cleanly', async () => {
    const error = await t
      .as('t2', (p) => p.project.create({ data: { id: 'it-1', name: 'duplicate' } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'P2002' });
    expect(await after()).toEqual({ s: '', tx: null, fresh: true });
    expect(await t.as('t2', (p) => p.project.count())).toBe(0);
    expect(await t.as('t1', (p) => p.project.count())).toBe(1);
  });

  it('the answer is the statement alone: the set_config row never shows up in a result', async () => {
    expect(await t.as('t1', (p) => p.project.count())).toBe(1);
    expect(await t.as('t1', (p) => p.project.findFirst({ where: { id: 'it-1' }, select: { id: true } }))).toEqual({
      id: 'it-1',
    });
    expect(await t.as('t1', (p) => p.project.deleteMany({ where: { id: 'none' } }))).toEqual({ count: 0 });
  });
});
