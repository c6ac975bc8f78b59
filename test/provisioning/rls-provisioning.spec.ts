import { Pool } from 'pg';

import type { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import { FIXTURE_MIGRATIONS, fixtureMigrationSql, withClient } from '../support';
import {
  createProvisioningHarness,
  migrationsOf,
  recordEvents,
  tenantIds,
  type ProvisioningHarness,
} from './provisioning-fixtures';

describe('TenantProvisioner, RLS strategy', () => {
  let h: ProvisioningHarness;
  let owner: Pool;
  let provisioner: TenantProvisioner;
  const migrations = migrationsOf({ [FIXTURE_MIGRATIONS.init]: fixtureMigrationSql(FIXTURE_MIGRATIONS.init) });

  beforeAll(async () => {
    h = await createProvisioningHarness();
    owner = new Pool({ connectionString: h.db.ownerUrl, max: 2 });
    provisioner = h.provisioner({
      defaultStrategy: 'rls',
      appRole: undefined,
      migrations,
      rls: { tables: ['projects', 'tasks'] },
    });
  });

  afterAll(async () => {
    await owner?.end();
    await h?.close();
  });

  async function policies(): Promise<Record<string, { policies: number; enabled: boolean; forced: boolean }>> {
    const { rows } = await owner.query(
      `SELECT c.relname AS t, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname IN ('projects', 'tasks', 'plans') ORDER BY 1`,
    );
    return Object.fromEntries(rows.map(({ t, ...rest }) => [t, rest]));
  }

  it('migrates the shared database once and puts forced RLS policies on the listed tables, idempotently', async () => {
    expect((await provisioner.migrateShared()).applied).toEqual([FIXTURE_MIGRATIONS.init]);
    const expected = {
      plans: { policies: 0, enabled: false, forced: false },
      projects: { policies: 4, enabled: true, forced: true },
      tasks: { policies: 4, enabled: true, forced: true },
    };
    expect(await policies()).toEqual(expected);
    expect((await provisioner.migrateShared()).applied).toEqual([]);
    expect(await policies()).toEqual(expected);
  });

  it('provisions tenants as registry rows only, isolated by the policies', async () => {
    const [a, b] = tenantIds('rls', 2);
    const schemasBefore = (await owner.query('SELECT count(*)::int AS n FROM pg_namespace')).rows[0].n;
    const events = recordEvents(provisioner);
    expect(await provisioner.provision({ id: a })).toMatchObject({
      id: a,
      status: 'active',
      strategy: 'rls',
      schemaVersion: null,
    });
    await provisioner.provision({ id: b });
    expect((await owner.query('SELECT count(*)::int AS n FROM pg_namespace')).rows[0].n).toBe(schemasBefore);
    expect(events.map(([event]) => event)).toEqual(['provisioned', 'provisioned']);

    await withClient(h.db.appUrl, async (app) => {
      await app.query("SELECT set_config('app.tenant_id', $1, false)", [a]);
      await app.query("INSERT INTO projects (id, name) VALUES ('rls-p1', 'of A')");
      expect((await app.query('SELECT id FROM projects')).rows).toEqual([{ id: 'rls-p1' }]);
      await app.query("SELECT set_config('app.tenant_id', $1, false)", [b]);
      expect((await app.query('SELECT id FROM projects')).rows).toEqual([]);
    });

    expect((await provisioner.migrate(a)).warnings).toEqual([expect.stringMatching(/migrateShared/)]);
    expect((await provisioner.migrateAll()).targets).toEqual([]);
  });

  it('records the requested strategy on a tenant registered without one', async () => {
    const [id] = tenantIds('rls-bare', 1);
    await h.store.create({ id });
    const schemaDefault = h.provisioner(); // defaultStrategy: schema
    expect(await schemaDefault.provision({ id, strategy: 'rls' })).toMatchObject({ status: 'active', strategy: 'rls' });
  });

  it('deprovisions an RLS tenant by marking it deleted; its rows are the app’s to remove', async () => {
    const [id] = tenantIds('rls-gone', 1);
    await provisioner.provision({ id });
    const events = recordEvents(provisioner);
    expect((await provisioner.deprovision(id, { confirm: id })).status).toBe('deleted');
    expect(events).toEqual([['deleted', { tenantId: id, strategy: 'rls', dropped: [] }]]);
    expect(await policies()).toMatchObject({ projects: { policies: 4 } });
  });

  it("deprovision with deleteRows deletes exactly that tenant's rows, children first, in one transaction", async () => {
    const [gone, stays] = tenantIds('rls-rows', 2);
    for (const id of [gone, stays]) await provisioner.provision({ id });
    await withClient(h.db.appUrl, async (app) => {
      for (const id of [gone, stays]) {
        await app.query("SELECT set_config('app.tenant_id', $1, false)", [id]);
        await app.query('INSERT INTO projects (id, name) VALUES ($1, $2)', [`p-${id}`, 'p']);
        await app.query(
          "INSERT INTO tasks (id, project_id, title) VALUES ($1 || '-a', $1, 'a'), ($1 || '-b', $1, 'b')",
          [`p-${id}`],
        );
      }
    });
    const events = recordEvents(provisioner);
    expect((await provisioner.deprovision(gone, { confirm: gone, deleteRows: true })).status).toBe('deleted');
    expect(events).toEqual([
      ['deleted', { tenantId: gone, strategy: 'rls', dropped: ['2 row(s) from tasks', '1 row(s) from projects'] }],
    ]);
    // Counted past RLS (superuser): nothing of the deleted tenant is left anywhere, the other tenant is whole.
    const counts = await withClient(h.db.adminUrl, async (admin) => {
      const { rows } = await admin.query(
        `SELECT t.tenant_id, count(*)::int AS n FROM (SELECT tenant_id FROM projects UNION ALL SELECT tenant_id FROM tasks) t
          WHERE t.tenant_id = ANY($1) GROUP BY 1 ORDER BY 1`,
        [[gone, stays]],
      );
      return rows;
    });
    expect(counts).toEqual([{ tenant_id: stays, n: 3 }]);
  });

  it('deleteRows needs rls.tables, and deletes nothing when one table fails (one transaction); a re-run finishes it', async () => {
    const [id] = tenantIds('rls-atomic', 1);
    await provisioner.provision({ id });
    await withClient(h.db.appUrl, async (app) => {
      await app.query("SELECT set_config('app.tenant_id', $1, false)", [id]);
      await app.query('INSERT INTO projects (id, name) VALUES ($1, $2)', [`p-${id}`, 'p']);
      await app.query("INSERT INTO tasks (id, project_id, title) VALUES ($1 || '-a', $1, 'a')", [`p-${id}`]);
    });
    const rowsOf = () =>
      withClient(
        h.db.adminUrl,
        async (admin) =>
          (
            await admin.query(
              'SELECT (SELECT count(*)::int FROM projects WHERE tenant_id = $1) + (SELECT count(*)::int FROM tasks WHERE tenant_id = $1) AS n',
              [id],
            )
          ).rows[0].n,
      );

    const noTables = h.provisioner({ defaultStrategy: 'rls', appRole: undefined, migrations });
    await expect(noTables.deprovision(id, { confirm: id, deleteRows: true })).rejects.toThrow(/rls\.tables/);
    // Deleted in reverse order: tasks, projects, then the missing table fails and everything rolls back.
    const broken = h.provisioner({
      defaultStrategy: 'rls',
      appRole: undefined,
      migrations,
      rls: { tables: ['no_such_table', 'projects', 'tasks'] },
    });
    await expect(broken.deprovision(id, { confirm: id, deleteRows: true })).rejects.toThrow(/no_such_table/);
    expect(await rowsOf()).toBe(2);
    expect(await h.store.findById(id)).toMatchObject({
      status: 'deleted',
      lastError: expect.stringMatching(/no_such_table/),
    });

    expect((await provisioner.deprovision(id, { confirm: id, deleteRows: true })).status).toBe('deleted');
    expect(await rowsOf()).toBe(0);
  });
});
