import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from './rls-app';

// Raw SQL can change the state of the pooled connection it runs on, and that
// state outlives the statement: a session-level tenant setting, a search_path,
// a temporary table that shadows a tenant table, a transaction left open. The
// pool resets a connection that ran raw SQL (or was lent for a transaction)
// before it serves again. With one connection, every statement below runs on
// the connection the previous one changed; each test fails without the reset.
describe.each(['transaction', 'session'] as const)(
  'RLS, %s mode: session state left by raw SQL never reaches the next statement',
  (mode) => {
    let db: TestDatabase;
    let t: RlsTestApp;
    beforeAll(async () => {
      db = await createTestDatabase();
      t = await bootRlsApp(db.appUrl, { pool: { max: 1 }, rls: { mode } });
      await t.as('t1', (p) => p.project.create({ data: { id: 'p-t1', name: 'secret of t1' } }));
      await t.as('t2', (p) => p.project.create({ data: { id: 'p-t2', name: 'of t2' } }));
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });
    const names = (rows: { name: string }[]) => rows.map((r) => r.name).sort();
    // t2's rows by the package's own read, and by unqualified raw SQL: both must be exactly t2's.
    const t2Sees = async () => {
      const raw = await t.as(
        't2',
        (p) => p.$queryRaw<{ tenant_id: string; name: string }[]>`SELECT tenant_id, name FROM projects`,
      );
      expect(raw.map((r) => r.tenant_id)).not.toContain('t1');
      const modelled = await t.as('t2', (p) => p.project.findMany());
      expect(names(raw)).toEqual(names(modelled));
      return names(raw);
    };

    it.each([
      ['set_config(..., false)', "SELECT set_config('app.tenant_id', 't1', false)"],
      ['SET', "SET app.tenant_id = 't1'"],
      ['RESET ALL', 'RESET ALL'],
    ])(
      "a session-level tenant change (%s) in t2's raw SQL: t2's next statements still see only t2",
      async (_name, sql) => {
        await t.as('t2', (p) => p.$executeRawUnsafe(sql));
        expect(names(await t.as('t2', (p) => p.project.findMany()))).toEqual(['of t2']);
        expect(names(await t.as('t2', (p) => p.$queryRaw<{ name: string }[]>`SELECT name FROM projects`))).toEqual([
          'of t2',
        ]);
        expect(names(await t.as('t3', (p) => p.$queryRaw<{ name: string }[]>`SELECT name FROM projects`))).toEqual([]);
      },
    );

    it("a temporary table made by t1 never shadows a tenant table in another tenant's unqualified raw SQL", async () => {
      await t.as('t1', (p) => p.$executeRawUnsafe('CREATE TEMP TABLE projects AS SELECT * FROM public.projects'));
      expect(await t2Sees()).toEqual(['of t2']);
    });

    it('a search_path set by raw SQL does not stay for the next statement', async () => {
      await t.as('t1', (p) => p.$executeRawUnsafe('SET search_path TO pg_catalog'));
      expect(names(await t.as('t2', (p) => p.$queryRaw<{ name: string }[]>`SELECT name FROM projects`))).toEqual([
        'of t2',
      ]);
    });

    it("a transaction that raw SQL left open is rolled back before anyone else's statement, which then commits on its own", async () => {
      await t.as('t1', (p) => p.$executeRawUnsafe('BEGIN'));
      await t.as('t2', (p) => p.project.create({ data: { id: 'p-t2-after', name: 'committed' } }));
      const seen = await withClient(
        db.adminUrl,
        async (c) => (await c.query("SELECT tenant_id FROM projects WHERE id = 'p-t2-after'")).rows,
      );
      expect(seen).toEqual([{ tenant_id: 't2' }]);
    });

    it('state set inside an interactive transaction does not outlive it', async () => {
      await t.as('t1', (p) =>
        p.$transaction(async (tx) => {
          await tx.$executeRawUnsafe("SELECT set_config('app.tenant_id', 't1', false)");
          await tx.$executeRawUnsafe(
            'CREATE TEMP TABLE projects ON COMMIT PRESERVE ROWS AS SELECT * FROM public.projects',
          );
        }),
      );
      expect(await t2Sees()).toEqual(['committed', 'of t2']);
    });
  },
);
