import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { FIXTURE_MIGRATIONS, fixtureMigrationSql, serverAdminUrl, TEST_ROLES, withClient } from '../support';
import { createCliHarness, writeMigrationsTo, type CliHarness } from './cli-fixtures';

// Under the harness prefix, so a crashed run's databases and roles are swept by the global teardown.
const PREFIX = `tenancy_t_${process.env.TENANCY_TEST_RUN_ID}_cli_`;

describe('CLI, database per tenant', () => {
  let h: CliHarness;
  let admin: Client;
  const key = randomBytes(32).toString('hex');
  const env = () => ({
    TENANCY_STRATEGY: 'database',
    TENANCY_ADMIN_URL: serverAdminUrl(),
    TENANCY_PER_TENANT_ROLE: 'true',
    TENANCY_ENCRYPTION_KEYS: key,
    TENANCY_SCHEMA_PREFIX: PREFIX,
  });

  beforeAll(async () => {
    h = await createCliHarness();
    admin = new Client({ connectionString: serverAdminUrl() });
    await admin.connect();
  });

  afterAll(async () => {
    const { rows: dbs } = await admin.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [PREFIX]);
    for (const { datname } of dbs) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    const { rows: roles } = await admin.query('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [PREFIX]);
    for (const { rolname } of roles) await admin.query(`DROP ROLE IF EXISTS "${rolname}"`);
    await admin?.end();
    await h?.close();
  });

  it('provisions a database with its own role, shows no URL or password, and drops both on deprovision', async () => {
    const provisioned = await h.run(['provision', 'dbt'], { env: env() });
    expect(provisioned).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('provisioned dbt (own database): 3 migration(s)'),
    });

    const store = new PrismaTenantStore(h.db.ownerUrl, { cipher: new TenantSecretCipher({ keys: [key] }) });
    const url = new URL((await store.findById('dbt'))!.databaseUrl!);
    await store.close();
    expect(url.pathname).toBe(`/${PREFIX}dbt`);

    const status = await h.run(['status', '--json'], { env: env() });
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ id: 'dbt', strategy: 'database', status: 'active', hasDatabaseUrl: true }),
    ]);
    expect((await h.run(['status'])).code).toBe(0); // no keys needed to list tenants
    expect(await h.run(['migrate', '--all'], { env: env() })).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^ok {3}dbt {2}0 applied/m),
    });

    expect(await h.run(['deprovision', 'dbt', '--confirm', 'dbt'], { env: env() })).toMatchObject({ code: 0 });
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [`${PREFIX}dbt`])).rowCount).toBe(0);
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${PREFIX}dbt`])).rowCount).toBe(0);

    const printed = h.printed();
    expect(printed).not.toContain(decodeURIComponent(url.password));
    expect(printed).not.toContain(key);
    expect(printed).not.toContain(TEST_ROLES.owner.password);
  });

  it('refuses database tenants without an admin URL, naming TENANCY_ADMIN_URL, before registering anything', async () => {
    const { code, stderr } = await h.run(['provision', 'nodb', '--strategy', 'database']);
    expect(code).toBe(2);
    expect(stderr).toContain('TENANCY_ADMIN_URL');
    expect(JSON.parse((await h.run(['status', '--json'])).stdout).map((t: { id: string }) => t.id)).not.toContain(
      'nodb',
    );
  });
});

describe('CLI, row-level security', () => {
  let h: CliHarness;
  const env = { TENANCY_STRATEGY: 'rls', TENANCY_RLS_TABLES: 'projects,tasks' };

  beforeAll(async () => {
    h = await createCliHarness();
    writeMigrationsTo(`${h.dir}/shared`, { [FIXTURE_MIGRATIONS.init]: fixtureMigrationSql(FIXTURE_MIGRATIONS.init) });
    Object.assign(env, { TENANCY_MIGRATIONS_DIR: `${h.dir}/shared` });
  });
  afterAll(() => h?.close());

  it('init creates the registry table that status needs, once', async () => {
    expect(await h.run(['status'], { env })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('run `init` or provision a tenant'),
    });
    expect(await h.run(['init'], { env })).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^registry in schema "tenancy": applied \d+_tenancy_registry, \d+_tenancy_unique_resources\n$/,
      ),
    });
    expect(await h.run(['init'], { env })).toMatchObject({
      code: 0,
      stdout: 'registry in schema "tenancy" is up to date\n',
    });
    expect(await h.run(['status'], { env })).toMatchObject({ code: 0, stdout: 'No tenants registered.\n' });
  });

  it('migrate-shared migrates the shared database and puts policies on the listed tables; tenants are rows', async () => {
    const shared = await h.run(['migrate-shared'], { env });
    expect(shared.code).toBe(0);
    expect(shared.stdout).toMatch(
      /^ok {3}shared {2}1 applied {2}\d+ms\ntenant policies \(re\)created on projects, tasks\n$/,
    );
    const policies = await withClient(h.db.ownerUrl, (c) =>
      c.query(
        "SELECT tablename, count(*)::int AS n FROM pg_policies WHERE schemaname = 'public' GROUP BY 1 ORDER BY 1",
      ),
    );
    expect(policies.rows).toEqual([
      { tablename: 'projects', n: 4 },
      { tablename: 'tasks', n: 4 },
    ]);
    expect((await h.run(['migrate-shared'], { env })).stdout).toMatch(/^ok {3}shared {2}0 applied/);

    expect(await h.run(['provision', 'r1'], { env })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('provisioned r1 (rls, shared tables)'),
    });
    expect(await h.run(['migrate', 'r1'], { env })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        'warning: RLS tenants share the database: run `nestjs-prisma-tenancy migrate-shared`',
      ),
    });
    expect(await h.run(['migrate', '--all'], { env })).toMatchObject({ code: 0, stdout: 'No tenants to migrate.\n' });
    expect(await h.run(['deprovision', 'r1', '--confirm', 'r1'], { env })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('nothing to drop'),
    });

    // --delete-rows: the tenant's rows go too, from the rlsTables setting's tables.
    expect((await h.run(['provision', 'r2'], { env })).code).toBe(0);
    await withClient(h.db.appUrl, async (c) => {
      await c.query("SELECT set_config('app.tenant_id', 'r2', false)");
      await c.query("INSERT INTO projects (id, name) VALUES ('r2-p', 'p')");
    });
    expect(await h.run(['deprovision', 'r2', '--confirm', 'r2', '--delete-rows'], { env })).toMatchObject({
      code: 0,
      stdout: 'deprovisioned r2: dropped 0 row(s) from tasks, 1 row(s) from projects\n',
    });
    expect(
      (
        await withClient(h.db.adminUrl, (c) =>
          c.query("SELECT count(*)::int AS n FROM projects WHERE tenant_id = 'r2'"),
        )
      ).rows[0].n,
    ).toBe(0);
  });
});
