import type { Tenant } from '../../../lib';
import { type TestDatabase, withAdminClient } from '../../support';
import { bootRlsApp as bootTenancyApp, type RlsTestApp } from '../rls/rls-app';
import { createSchemaTenantsDatabase } from './schema-tenants';

// Schema tenants share one pg pool. Raw SQL runs with search_path set to the
// tenant's schema, but PostgreSQL searches pg_temp first, so a temporary table
// one tenant's raw SQL leaves on a pooled connection would shadow the table
// another tenant's unqualified raw SQL names. With one connection, every
// statement below runs on the connection the previous one changed.
describe('schema strategy: session state left by raw SQL never reaches another tenant', () => {
  let db: TestDatabase;
  let t: RlsTestApp;
  const tenants: Tenant[] = [
    { id: 's1', status: 'active' },
    { id: 's2', status: 'active' },
  ];
  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(['s1', 's2']);
    t = await bootTenancyApp(db.appUrl, { strategy: 'schema', strategies: ['schema'], tenants, pool: { max: 1 } });
    await t.as('s1', (p) => p.project.create({ data: { id: 'p-s1', name: 'secret of s1' } }));
    await t.as('s2', (p) => p.project.create({ data: { id: 'p-s2', name: 'of s2' } }));
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });
  const s2Raw = () => t.as('s2', (p) => p.$queryRaw<{ name: string }[]>`SELECT name FROM projects ORDER BY name`);

  it("a temporary table made by s1's raw SQL does not shadow s2's table", async () => {
    await t.as('s1', (p) => p.$executeRawUnsafe('CREATE TEMP TABLE projects AS SELECT * FROM projects'));
    expect(await s2Raw()).toEqual([{ name: 'of s2' }]);
  });

  it("nor one made inside s1's interactive transaction, kept past commit", async () => {
    await t.as('s1', (p) =>
      p.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('CREATE TEMP TABLE projects ON COMMIT PRESERVE ROWS AS SELECT * FROM projects');
      }),
    );
    expect(await s2Raw()).toEqual([{ name: 'of s2' }]);
    // A write of s2 between (no reset needed) changes nothing.
    await t.as('s2', (p) => p.project.update({ where: { id: 'p-s2' }, data: { budget: 2 } }));
    expect(await s2Raw()).toEqual([{ name: 'of s2' }]);
  });

  // Model writes run with the tenant's settings in one implicit transaction
  // (one Sync): a failing one must end it there, leaving the connection idle
  // and nothing of s1's on it for s2's next statements.
  it("a failed write of s1 leaves no transaction and no setting for s2's statements", async () => {
    await expect(
      t.as('s1', (p) => p.project.create({ data: { id: 'p-s1', name: 'duplicate' } })),
    ).rejects.toMatchObject({ code: 'P2002' });
    const states = await withAdminClient(db.adminUrl, (admin) =>
      admin.query<{ state: string }>(
        "SELECT state FROM pg_stat_activity WHERE datname = current_database() AND usename = 'tenancy_app'",
      ),
    );
    expect(states.rows.map((r) => r.state)).toEqual(['idle']);
    expect(
      await t.as('s2', (p) => p.$queryRaw<{ s: string | null }[]>`SELECT current_setting('search_path') AS s`),
    ).toEqual([{ s: expect.stringContaining('s2') }]);
    await t.as('s2', (p) => p.project.create({ data: { id: 'p-s2-b', name: 'of s2 too' } }));
    expect(await t.as('s2', (p) => p.project.count())).toBe(2);
    expect(await t.as('s1', (p) => p.project.findMany({ select: { name: true } }))).toEqual([{ name: 'secret of s1' }]);
  });
});
