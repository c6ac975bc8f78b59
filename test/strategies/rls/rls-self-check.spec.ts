import { TenancyConfigError, rlsPolicySql } from '../../../lib';
import { runRlsSelfCheck } from '../../../lib/strategies/rls/rls-self-check';
import {
  createTestDatabase,
  fixtureMigrationNames,
  TEST_ROLES,
  withAdminClient,
  type TestDatabase,
} from '../../support';
import { bootRlsApp } from './rls-app';

// The app must refuse to start when row-level security would not hold.
describe('RLS boot self-check', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });
  async function database(options: Parameters<typeof createTestDatabase>[0] = {}) {
    const db = await createTestDatabase(options);
    dbs.push(db);
    return db;
  }

  it('passes for a non-superuser, non-owner role on forced RLS tables', async () => {
    const t = await bootRlsApp((await database()).appUrl);
    await t.close();
  });

  it('refuses a superuser connection', async () => {
    const db = await database();
    await expect(bootRlsApp(db.adminUrl)).rejects.toThrow(/superuser and so ignores row-level security|a superuser/);
    await expect(bootRlsApp(db.adminUrl)).rejects.toBeInstanceOf(TenancyConfigError);
  });

  it('refuses a BYPASSRLS role', async () => {
    const db = await database();
    // Creating a BYPASSRLS role needs a superuser.
    await withAdminClient(db.adminUrl, (c) =>
      c.query(
        `DO $$ BEGIN CREATE ROLE tenancy_bypass LOGIN PASSWORD 'bypass' BYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$; GRANT CONNECT ON DATABASE "${db.name}" TO tenancy_bypass`,
      ),
    );
    const url = new URL(db.appUrl);
    url.username = 'tenancy_bypass';
    url.password = 'bypass';
    await expect(bootRlsApp(url.toString())).rejects.toThrow(/BYPASSRLS/);
  });

  it('refuses a role that can SET ROLE to a superuser or a BYPASSRLS role', async () => {
    const db = await database();
    // A login role of this test's own: granting tenancy_app a bypassing role would trip other files' boots.
    const login = `tenancy_sc_${db.name}`.slice(0, 63);
    const bypass = `tenancy_byp_${db.name}`.slice(0, 63);
    await withAdminClient(db.adminUrl, (c) =>
      c.query(`CREATE ROLE "${login}" LOGIN PASSWORD 'sc'; CREATE ROLE "${bypass}" NOLOGIN BYPASSRLS; GRANT "${bypass}" TO "${login}";
        GRANT CONNECT ON DATABASE "${db.name}" TO "${login}"; GRANT USAGE ON SCHEMA public TO "${login}";
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${login}"; GRANT SELECT ON projects TO "${bypass}";
        INSERT INTO projects (id, tenant_id, name) VALUES ('p9', 't9', 'of t9')`),
    );
    const url = new URL(db.appUrl);
    url.username = login;
    url.password = 'sc';
    try {
      await expect(bootRlsApp(url.toString())).rejects.toThrow(
        new RegExp(`a member of "${bypass}" \\(BYPASSRLS\\): any raw SQL can SET ROLE`),
      );
      // Why: raw SQL run as any tenant then reads every tenant's rows.
      await withAdminClient(url.toString(), async (c) => {
        await c.query("SELECT set_config('app.tenant_id', 't1', false)");
        expect((await c.query('SELECT count(*)::int AS n FROM projects')).rows).toEqual([{ n: 0 }]);
        await c.query(`SET ROLE "${bypass}"`);
        expect((await c.query('SELECT count(*)::int AS n FROM projects')).rows).toEqual([{ n: 1 }]);
      });
    } finally {
      await withAdminClient(db.adminUrl, (c) =>
        c.query(`DROP OWNED BY "${login}", "${bypass}"; DROP ROLE "${login}"; DROP ROLE "${bypass}"`),
      );
    }
  });

  it('refuses a tenant table without FORCE ROW LEVEL SECURITY', async () => {
    const db = await database({ sql: 'ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;' });
    await expect(bootRlsApp(db.appUrl)).rejects.toThrow(/"?public"?\.?"?tasks"? \(RLS not forced\)/);
  });

  it('refuses a tenant table without RLS at all', async () => {
    const db = await database({ migrations: fixtureMigrationNames().slice(0, 1) });
    await expect(bootRlsApp(db.appUrl)).rejects.toThrow(/projects \(RLS disabled\).*tasks \(RLS disabled\)/);
  });

  it('can be turned off', async () => {
    const db = await database({ sql: 'ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;' });
    const t = await bootRlsApp(db.appUrl, { rls: { selfCheck: false } });
    await t.close();
  });
});

// Hole 10: the check used to look at the search path only. Whatever schema the
// app role can reach (USAGE on it, any privilege on the relation, directly, by
// membership or through PUBLIC) is a place a tenant's query can read.
describe('RLS boot self-check: every schema the app role can reach', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });
  const app = TEST_ROLES.app.name;
  /** A fresh fixture database with `sql` run as the owner (default privileges grant the app role USAGE and DML on what it creates). */
  async function database(sql = '', adminSql = '') {
    const db = await createTestDatabase({ sql: sql || undefined });
    dbs.push(db);
    if (adminSql) await withAdminClient(db.adminUrl, (c) => c.query(adminSql));
    return db;
  }
  const check = (db: TestDatabase) => runRlsSelfCheck(db.appUrl, 'tenant_id');
  const INVOICES =
    'CREATE SCHEMA billing; CREATE TABLE billing.invoices (id text PRIMARY KEY, tenant_id text NOT NULL, total int);';

  it('refuses a tenant table without RLS in a schema off the search path', async () => {
    const db = await database(INVOICES);
    await expect(check(db)).rejects.toThrow(/billing\.invoices \(RLS disabled\)/);
    await expect(check(db)).rejects.toBeInstanceOf(TenancyConfigError);
  });

  it('names every offending table, wherever it is, and says what to do', async () => {
    const db = await database(
      `${INVOICES} CREATE SCHEMA "Audit"; CREATE TABLE "Audit"."Log" (tenant_id text); ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;`,
    );
    const error = await check(db).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TenancyConfigError);
    const message = (error as Error).message;
    for (const name of [
      '"Audit"."Log" (RLS disabled)',
      'billing.invoices (RLS disabled)',
      'public.tasks (RLS not forced)',
    ])
      expect(message).toContain(name);
    expect(message).toMatch(/rlsPolicySql\(\)/);
    expect(message).toMatch(/REVOKE/);
  });

  it('refuses a table the role reaches through PUBLIC', async () => {
    const db =
      await database(`${INVOICES} REVOKE ALL ON SCHEMA billing FROM ${app}; REVOKE ALL ON billing.invoices FROM ${app};
      GRANT USAGE ON SCHEMA billing TO PUBLIC; GRANT SELECT ON billing.invoices TO PUBLIC;`);
    await expect(check(db)).rejects.toThrow(/billing\.invoices \(RLS disabled\)/);
  });

  it('refuses a table the role reaches through a role it is a member of', async () => {
    const db = await database('', '');
    const group = `tenancy_readers_${db.name}`.slice(0, 63);
    await withAdminClient(db.adminUrl, async (c) => {
      await c.query(`CREATE ROLE "${group}" NOLOGIN; GRANT "${group}" TO ${app}`);
      await c.query(`SET ROLE ${TEST_ROLES.owner.name}; ${INVOICES} REVOKE ALL ON SCHEMA billing FROM ${app}; REVOKE ALL ON billing.invoices FROM ${app};
        GRANT USAGE ON SCHEMA billing TO "${group}"; GRANT SELECT ON billing.invoices TO "${group}"; RESET ROLE`);
    });
    try {
      await expect(check(db)).rejects.toThrow(/billing\.invoices \(RLS disabled\)/);
    } finally {
      await withAdminClient(db.adminUrl, (c) => c.query(`DROP OWNED BY "${group}"; DROP ROLE "${group}"`));
    }
  });

  it('refuses a table the role may read only some columns of', async () => {
    const db = await database(
      `${INVOICES} REVOKE ALL ON billing.invoices FROM ${app}; GRANT SELECT (total) ON billing.invoices TO ${app};`,
    );
    await expect(check(db)).rejects.toThrow(/billing\.invoices \(RLS disabled\)/);
  });

  it('passes over tables the role cannot reach: no USAGE on the schema, or no privilege on the table', async () => {
    const db = await database(`${INVOICES} REVOKE ALL ON SCHEMA billing FROM ${app};
      CREATE SCHEMA ledger; CREATE TABLE ledger.entries (tenant_id text); REVOKE ALL ON ledger.entries FROM ${app};`);
    const result = await check(db);
    expect(result.tables).toEqual(['public.projects', 'public.tasks']);
  });

  it("refuses a partition without RLS the role can read directly (the parent's policies bind only queries through the parent)", async () => {
    const db =
      await database(`CREATE SCHEMA billing; CREATE TABLE billing.events (tenant_id text NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
      CREATE TABLE billing.events_2026 PARTITION OF billing.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      ${rlsPolicySql({ table: 'events', schema: 'billing' })}`);
    await expect(check(db)).rejects.toThrow(/billing\.events_2026 \(RLS disabled\)/);
    await expect(check(db)).rejects.not.toThrow(/billing\.events /);
  });

  it('refuses a materialized view of tenant rows: row-level security never applies to it', async () => {
    const db = await database('CREATE MATERIALIZED VIEW public.task_titles AS SELECT title FROM tasks;');
    await expect(check(db)).rejects.toThrow(/public\.task_titles \(materialized view/);
  });

  it('refuses a view run with the rights of an owner who bypasses RLS', async () => {
    const db = await database(
      '',
      `CREATE VIEW public.all_tasks AS SELECT id, title FROM tasks; GRANT SELECT ON public.all_tasks TO ${app};`,
    );
    await expect(check(db)).rejects.toThrow(
      /public\.all_tasks \(view run as "postgres|public\.all_tasks \(view run as/,
    );
  });

  it('refuses a view over a tenant table without RLS, even one the role cannot read itself', async () => {
    const db = await database(
      `${INVOICES} REVOKE ALL ON billing.invoices FROM ${app}; CREATE VIEW public.totals AS SELECT total FROM billing.invoices;`,
    );
    await expect(check(db)).rejects.toThrow(/public\.totals \(view over billing\.invoices/);
    await expect(check(db)).rejects.not.toThrow(/billing\.invoices \(RLS disabled\)/);
  });

  it('passes a view owned by a role the policies bind, over forced RLS tables, and a security_invoker view', async () => {
    const db = await database(`CREATE VIEW public.open_tasks AS SELECT id, title, tenant_id FROM tasks WHERE NOT done;
      CREATE VIEW public.task_names WITH (security_invoker) AS SELECT t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id;`);
    const result = await check(db);
    expect(result.tables).toEqual(expect.arrayContaining(['public.open_tasks', 'public.task_names', 'public.tasks']));
    // And the definer view does stay scoped: the owner is bound by FORCE.
    const t = await bootRlsApp(db.appUrl);
    try {
      await t.as('t1', (p) => p.project.create({ data: { id: 'p1', name: 'p', tasks: { create: [{ title: 'a' }] } } }));
      const seen = await t.as('t2', (p) => p.$queryRawUnsafe<unknown[]>('SELECT * FROM public.open_tasks'));
      expect(seen).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('refuses a security_invoker view over a tenant table without RLS the role can read', async () => {
    const db = await database(
      `${INVOICES} CREATE VIEW public.inv WITH (security_invoker = on) AS SELECT * FROM billing.invoices;`,
    );
    await expect(check(db)).rejects.toThrow(/billing\.invoices \(RLS disabled\)/);
  });
});

// A mixed app keeps schema tenants' rows in schemas of their own, isolated by
// the search path: the check leaves those to the schema strategy, and only those.
describe('RLS boot self-check in an app that also runs the schema strategy', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      sql: `CREATE SCHEMA tenant_big; CREATE TABLE tenant_big.projects (id text PRIMARY KEY, tenant_id text NOT NULL);
        COMMENT ON SCHEMA tenant_big IS 'nestjs-prisma-tenancy:tenant=big';
        CREATE SCHEMA tenant_loose; CREATE TABLE tenant_loose.projects (id text PRIMARY KEY, tenant_id text NOT NULL);`,
    });
  });
  afterAll(() => db?.drop());

  it("passes over a schema marked as a tenant's, and checks an unmarked one", async () => {
    await expect(runRlsSelfCheck(db.appUrl, 'tenant_id', { schemaTenants: true })).rejects.toThrow(
      /tenant_loose\.projects \(RLS disabled\)/,
    );
    await expect(runRlsSelfCheck(db.appUrl, 'tenant_id', { schemaTenants: true })).rejects.not.toThrow(/tenant_big/);
    await withAdminClient(db.adminUrl, (c) => c.query('DROP SCHEMA tenant_loose CASCADE'));
    const result = await runRlsSelfCheck(db.appUrl, 'tenant_id', { schemaTenants: true });
    expect(result.tenantSchemas).toEqual(['tenant_big']);
    expect(result.tables).toEqual(['public.projects', 'public.tasks']);
  });

  it("still refuses a view elsewhere that reads a schema tenant's table with its owner's rights", async () => {
    await withAdminClient(db.ownerUrl, (c) =>
      c.query('CREATE VIEW public.big_projects AS SELECT id FROM tenant_big.projects'),
    );
    try {
      await expect(runRlsSelfCheck(db.appUrl, 'tenant_id', { schemaTenants: true })).rejects.toThrow(
        /public\.big_projects \(view over tenant_big\.projects/,
      );
    } finally {
      await withAdminClient(db.ownerUrl, (c) => c.query('DROP VIEW public.big_projects'));
    }
  });

  it('checks marked schemas too when the app runs no schema strategy', async () => {
    await expect(runRlsSelfCheck(db.appUrl, 'tenant_id')).rejects.toThrow(/tenant_big\.projects \(RLS disabled\)/);
  });
});

// Found while closing hole 10: two table privileges act on every tenant's rows whatever the policies say.
describe('RLS boot self-check: privileges row-level security does not limit', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });
  const app = TEST_ROLES.app.name;

  it("TRUNCATE: one tenant's raw SQL empties every tenant's rows, so the check refuses the grant", async () => {
    const db = await createTestDatabase({ sql: `GRANT TRUNCATE ON tasks TO ${app};` });
    dbs.push(db);
    await expect(runRlsSelfCheck(db.appUrl, 'tenant_id')).rejects.toThrow(
      /public\.tasks \(TRUNCATE granted, which row-level security does not limit\)/,
    );
    // Why: with the check off, t1 wipes t2's tasks.
    const t = await bootRlsApp(db.appUrl, { rls: { selfCheck: false } });
    try {
      await t.as('t2', (p) => p.project.create({ data: { name: 'p', tasks: { create: [{ title: 'of t2' }] } } }));
      await t.as('t1', (p) => p.$executeRawUnsafe('TRUNCATE tasks'));
      expect(await t.as('t2', (p) => p.task.count())).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('TRIGGER, on a table, partition or not, through PUBLIC too', async () => {
    const db = await createTestDatabase({
      sql: `GRANT TRIGGER ON projects TO PUBLIC; GRANT TRUNCATE, TRIGGER ON tasks TO ${app};`,
    });
    dbs.push(db);
    const error = await runRlsSelfCheck(db.appUrl, 'tenant_id').catch((e: Error) => e);
    expect((error as Error).message).toContain('public.projects (TRIGGER granted');
    expect((error as Error).message).toContain('public.tasks (TRUNCATE and TRIGGER granted');
    expect((error as Error).message).toContain('grant the role only SELECT, INSERT, UPDATE, DELETE');
  });
});
