import { TenancyConfigError } from '../../../lib';
import { createTestDatabase, fixtureMigrationNames, withAdminClient, type TestDatabase } from '../../support';
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
    await withAdminClient(db.adminUrl, (c) => c.query(`DO $$ BEGIN CREATE ROLE tenancy_bypass LOGIN PASSWORD 'bypass' BYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$; GRANT CONNECT ON DATABASE "${db.name}" TO tenancy_bypass`));
    const url = new URL(db.appUrl);
    url.username = 'tenancy_bypass';
    url.password = 'bypass';
    await expect(bootRlsApp(url.toString())).rejects.toThrow(/BYPASSRLS/);
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
