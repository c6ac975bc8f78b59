import { Pool } from 'pg';
import { TenantMisconfiguredError, TenantPoolService, TenantUnavailableError, type Tenant } from '../../lib';
import { readMigrationsFolder, TenantMigrationRunner } from '../../lib/migrations';
import {
  createTestDatabase,
  FIXTURE_MIGRATIONS,
  FIXTURE_MIGRATIONS_DIR,
  markOwned,
  quoteIdent,
  rewriteUrl,
  serverAdminUrl,
  TEST_ROLES,
  withClient,
  type TestDatabase,
} from '../support';
import { bootDatabaseApp, createDatabaseTenants, type DatabaseTenants } from './database/database-app';
import {
  startExtraPostgres,
  createTenantDatabase,
  type ExtraPostgres,
  type TenantDatabase,
} from './database/tenant-servers';
import { bootRlsApp, type RlsTestApp } from './rls/rls-app';
import { createSchemaTenantsDatabase } from './schema/schema-tenants';

// The second layer of the per-tenant strategies: whatever the name mapping or the registry says, a tenant's
// client serves nothing until the schema or database it points at carries that tenant's ownership marker.

const refusal = (work: Promise<unknown>) =>
  work.then(
    () => 'served',
    (error: unknown) => error,
  );
const unmark = (url: string, kind: 'schema' | 'database', name: string) =>
  withClient(url, (c) => c.query(`COMMENT ON ${kind.toUpperCase()} ${quoteIdent(name)} IS NULL`));

describe('ownership markers at runtime: schema strategy', () => {
  let db: TestDatabase;
  let t: RlsTestApp;
  const tenants: Tenant[] = [
    { id: 'victim', status: 'active' },
    // A record (or a custom naming) pointing at the victim's schema.
    { id: 'intruder', status: 'active', schemaName: 'tenant_victim' },
    // A schema that exists (made by hand, or by a release before markers) but was never marked.
    { id: 'unmarked', status: 'active' },
    { id: 'cached', status: 'active' },
    { id: 'nowhere', status: 'active', schemaName: 'tenant_does_not_exist' },
  ];

  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(['victim', 'unmarked', 'cached']);
    await unmark(db.ownerUrl, 'schema', 'tenant_unmarked');
    await withClient(db.ownerUrl, (c) =>
      c.query("INSERT INTO tenant_victim.projects (id, tenant_id, name) VALUES ('v1', 'victim', 'secret')"),
    );
    t = await bootRlsApp(db.appUrl, { strategy: 'schema', strategies: ['schema'], tenants });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("refuses a tenant whose schema is another tenant's, for every kind of statement, and leaks nothing", async () => {
    const attempts = [
      (p: RlsTestApp['prisma']['client']) => p.project.findMany(),
      (p: RlsTestApp['prisma']['client']) => p.$queryRaw`SELECT name FROM projects`,
      (p: RlsTestApp['prisma']['client']) => p.$executeRaw`UPDATE projects SET name = 'pwned'`,
      (p: RlsTestApp['prisma']['client']) => p.project.create({ data: { name: 'planted' } }),
      (p: RlsTestApp['prisma']['client']) => p.$transaction(async (tx) => tx.project.count()),
    ];
    for (const attempt of attempts) {
      const error = await refusal(t.as('intruder', attempt));
      expect(error).toBeInstanceOf(TenantMisconfiguredError);
      expect((error as Error).message).toMatch(/schema "tenant_victim" is marked for another tenant/);
    }
    expect(await t.as('victim', (p) => p.project.findMany({ select: { name: true } }))).toEqual([{ name: 'secret' }]);
  });

  it('refuses a schema with no marker, or none at all, fail-closed', async () => {
    expect(await refusal(t.as('unmarked', (p) => p.project.count()))).toBeInstanceOf(TenantMisconfiguredError);
    const error = await refusal(t.as('nowhere', (p) => p.$queryRaw`SELECT 1`));
    expect(error).toBeInstanceOf(TenantMisconfiguredError);
    expect((error as Error).message).toMatch(/does not exist/);
  });

  it('checks once per client, not per statement: a marker removed later is seen by the next client', async () => {
    // Concurrent first statements share the one check.
    expect(await Promise.all(Array.from({ length: 8 }, () => t.as('cached', (p) => p.project.count())))).toEqual(
      Array(8).fill(0),
    );
    await unmark(db.ownerUrl, 'schema', 'tenant_cached');
    expect(await t.as('cached', (p) => p.project.count())).toBe(0);
    await t.app.get(TenantPoolService).invalidate('cached');
    expect(await refusal(t.as('cached', (p) => p.project.count()))).toBeInstanceOf(TenantMisconfiguredError);
    await markOwned(db.ownerUrl, 'schema', 'tenant_cached', 'cached');
    // A refusal is not remembered either: once marked, the same client serves.
    expect(await t.as('cached', (p) => p.project.count())).toBe(0);
  });
});

describe('ownership markers at runtime: database strategy', () => {
  let setup: DatabaseTenants;

  beforeAll(async () => {
    setup = await createDatabaseTenants(['victim', 'unmarked'], [serverAdminUrl()]);
    const unmarked = setup.databases.get('unmarked')!;
    await unmark(unmarked.adminUrl, 'database', unmarked.name);
    await withClient(setup.databases.get('victim')!.adminUrl, (c) =>
      c.query("INSERT INTO projects (id, tenant_id, name) VALUES ('v1', 'victim', 'secret')"),
    );
  }, 120_000);
  afterAll(async () => setup?.drop(), 120_000);

  it("refuses a tenant whose URL reaches another tenant's database, or an unmarked one", async () => {
    const victimUrl = setup.databases.get('victim')!.appUrl;
    // The same database under another spelling of its URL: the marker, read on the connection, is what counts.
    const respelled = `${rewriteUrl(victimUrl, {}).replace('127.0.0.1', 'localhost')}?application_name=x`;
    const t = await bootDatabaseApp(setup.shared.appUrl, [
      ...setup.tenants,
      { id: 'intruder', status: 'active', databaseUrl: victimUrl },
      { id: 'respelled', status: 'active', databaseUrl: respelled },
    ]);
    try {
      for (const id of ['intruder', 'respelled']) {
        for (const attempt of [
          (p: RlsTestApp['prisma']['client']) => p.project.findMany(),
          (p: RlsTestApp['prisma']['client']) => p.$queryRaw`SELECT name FROM projects`,
        ]) {
          const error = await refusal(t.as(id, attempt));
          expect(error).toBeInstanceOf(TenantMisconfiguredError);
          expect((error as Error).message).toMatch(/database is marked for another tenant/);
        }
      }
      expect(await refusal(t.as('unmarked', (p) => p.project.count()))).toBeInstanceOf(TenantMisconfiguredError);
      expect(await t.as('victim', (p) => p.project.findMany({ select: { name: true } }))).toEqual([{ name: 'secret' }]);
    } finally {
      await t.close();
    }
  });
});

describe('ownership markers at runtime: a check that cannot run', () => {
  let server: ExtraPostgres;
  let tenantDb: TenantDatabase;
  // The database strategy's shared models, on the harness server (which stays up).
  let shared: TestDatabase;

  beforeAll(async () => {
    shared = await createTestDatabase({ migrations: [FIXTURE_MIGRATIONS.init] });
    server = await startExtraPostgres();
    // One database on the stoppable server: tenant schemas for the schema strategy, and itself a tenant database.
    tenantDb = await createTenantDatabase(server.adminUrl, 'checks', 'other-tenant');
    const ownerUrl = rewriteUrl(tenantDb.adminUrl, {
      user: TEST_ROLES.owner.name,
      password: TEST_ROLES.owner.password,
    });
    const migrations = (await readMigrationsFolder(FIXTURE_MIGRATIONS_DIR)).filter(
      (m) => m.name === FIXTURE_MIGRATIONS.init,
    );
    const pool = new Pool({ connectionString: ownerUrl, max: 1 });
    try {
      await new TenantMigrationRunner({ pool, migrations }).migrate({ schema: 'tenant_later', tenantId: 'later' });
      await pool.query(`GRANT USAGE ON SCHEMA tenant_later TO ${quoteIdent(TEST_ROLES.app.name)}`);
      await markOwned(ownerUrl, 'schema', 'tenant_later', 'someone-else');
    } finally {
      await pool.end();
    }
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
    await shared?.drop();
  }, 120_000);

  it('answers 503 while the server is down and checks again when it is back: no pass is remembered that did not happen', async () => {
    const schemaApp = await bootRlsApp(tenantDb.appUrl, {
      strategy: 'schema',
      strategies: ['schema'],
      tenants: [{ id: 'later', status: 'active' }],
    });
    const databaseApp = await bootDatabaseApp(
      shared.appUrl,
      [{ id: 'later', status: 'active', databaseUrl: tenantDb.appUrl }],
      {
        database: { connectTimeoutMs: 1_000 },
      },
    );
    try {
      await server.stop();
      for (const app of [schemaApp, databaseApp]) {
        const down = await refusal(app.as('later', (p) => p.project.count()));
        expect(down).toBeInstanceOf(TenantUnavailableError);
        expect((down as TenantUnavailableError).getStatus()).toBe(503);
      }
      await server.start();
      // Both are marked for someone else: had the failed check been remembered as a pass, these would be served.
      for (const app of [schemaApp, databaseApp]) {
        expect(await refusal(app.as('later', (p) => p.project.count()))).toBeInstanceOf(TenantMisconfiguredError);
      }
    } finally {
      await schemaApp.close();
      await databaseApp.close();
    }
  }, 60_000);
});
