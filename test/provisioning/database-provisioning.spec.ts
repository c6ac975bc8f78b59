import { Client } from 'pg';

import { TenancyConfigError } from '../../lib/errors/tenancy-config.error';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import type { DatabaseProvisioningOptions } from '../../lib/provisioning/tenant-provisioner.interface';
import type { Tenant } from '../../lib/store/tenant.interface';
import { serverAdminUrl, TEST_ROLES, withClient } from '../support';
import {
  APP_MIGRATIONS,
  FIRST,
  THIRD,
  createProvisioningHarness,
  migrationsOf,
  recordEvents,
  tenantIds,
  type ProvisioningHarness,
} from './provisioning-fixtures';

// Under the harness prefix, so a crashed run's databases are swept by the global teardown.
const PREFIX = `tenancy_t_${process.env.TENANCY_TEST_RUN_ID}_d`;
const naming = (tenant: Tenant) => `${PREFIX}_${tenant.id.replace(/-/g, '_')}`;

describe('TenantProvisioner, database strategy', () => {
  let h: ProvisioningHarness;
  let admin: Client;

  beforeAll(async () => {
    h = await createProvisioningHarness();
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

  function provisioner(
    database: Partial<DatabaseProvisioningOptions> = {},
    migrations = APP_MIGRATIONS,
  ): TenantProvisioner {
    return h.provisioner({
      defaultStrategy: 'database',
      migrations,
      database: { adminUrl: serverAdminUrl(), naming, ...database },
    });
  }

  const connects = (url: string) =>
    withClient(url, async () => true).catch((error: { code?: string }) => error.code ?? 'error');

  it('creates a database with its own role, stores the URL encrypted, and only that role gets in', async () => {
    const p = provisioner({ perTenantRole: true });
    const [a, b] = tenantIds('dbrole', 2);
    const events = recordEvents(p);
    const tenantA = await p.provision({ id: a });
    const tenantB = await p.provision({ id: b });
    const name = naming(tenantA);

    expect(tenantA).toMatchObject({ status: 'active', strategy: 'database', schemaVersion: THIRD });
    const url = new URL(tenantA.databaseUrl!);
    expect([url.username, url.pathname]).toEqual([name, `/${name}`]);
    expect(url.password.length).toBeGreaterThanOrEqual(32);

    const { rows } = await admin.query(
      `SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1`,
      [name],
    );
    expect(rows).toEqual([{ datname: name, owner: TEST_ROLES.owner.name }]);
    const raw = await withClient(h.db.ownerUrl, (c) =>
      c.query('SELECT database_url FROM tenancy.tenancy_tenants WHERE id = $1', [a]),
    );
    expect(raw.rows[0].database_url).toMatch(/^v1\./);
    expect(raw.rows[0].database_url).not.toContain(url.password);
    const { rows: roles } = await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name]);
    expect(roles[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);

    await withClient(tenantA.databaseUrl!, async (tenant) => {
      await tenant.query("INSERT INTO projects (id, name) VALUES ('d1', 'in A')");
      expect((await tenant.query('SELECT id FROM projects ORDER BY id')).rows.map((r) => r.id)).toEqual([
        'd1',
        'welcome',
      ]);
      await expect(tenant.query('SELECT * FROM _prisma_migrations')).rejects.toMatchObject({ code: '42501' });
      await expect(tenant.query('CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    });
    // A's credentials on B's database, and the shared app role on A's: both refused.
    expect(await connects(new URL(`/${naming(tenantB)}`, tenantA.databaseUrl!).href)).toBe('42501');
    expect(await connects(new URL(`/${name}`, h.db.appUrl).href)).toBe('42501');

    expect(events.map(([event]) => event)).toEqual(['provisioned', 'provisioned']);
    await p.deprovision(a, { confirm: a });
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount).toBe(0);
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount).toBe(0);
    expect(events.at(-1)).toEqual([
      'deleted',
      { tenantId: a, strategy: 'database', dropped: [`database ${name}`, `role ${name}`] },
    ]);
    expect(await connects(tenantB.databaseUrl!)).toBe(true);
  });

  it('uses the shared app role from appUrl, and leaves that role alone on deprovision', async () => {
    const p = provisioner({ appUrl: h.db.appUrl });
    const [id] = tenantIds('dbshared', 1);
    const tenant = await p.provision({ id });
    expect(new URL(tenant.databaseUrl!).username).toBe(TEST_ROLES.app.name);
    await withClient(tenant.databaseUrl!, async (app) => {
      await app.query("INSERT INTO tasks (id, project_id, title) VALUES ('t1', 'welcome', 'x')");
      expect((await app.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(1);
    });
    expect(await p.deprovision(id, { confirm: id })).toMatchObject({ status: 'deleted' });
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [TEST_ROLES.app.name])).rowCount).toBe(1);
  });

  it('resumes a failed database provisioning with the same database and password', async () => {
    const [id] = tenantIds('dbretry', 1);
    const broken = provisioner(
      { perTenantRole: true },
      migrationsOf({ [FIRST]: APP_MIGRATIONS[0].sql, '20250102000000_audit': 'SELEC 1' }),
    );
    await expect(broken.provision({ id })).rejects.toThrow(/syntax error/);
    const failed = (await h.store.findById(id))!;
    expect(failed).toMatchObject({ status: 'failed', schemaVersion: FIRST });

    const tenant = await provisioner({ perTenantRole: true }).provision({ id });
    expect(tenant).toMatchObject({ status: 'active', schemaVersion: THIRD, databaseUrl: failed.databaseUrl });
    expect(await connects(tenant.databaseUrl!)).toBe(true);
  });

  it('refuses plaintext URLs without a cipher, a missing database config, and reserved databases', async () => {
    const plain = new PrismaTenantStore(h.db.ownerUrl);
    try {
      const options = {
        store: plain,
        migrations: APP_MIGRATIONS,
        ownerUrl: h.db.ownerUrl,
        appRole: TEST_ROLES.app.name,
      };
      expect(
        () => new TenantProvisioner({ ...options, database: { adminUrl: serverAdminUrl(), perTenantRole: true } }),
      ).toThrow(TenancyConfigError);
      expect(
        () =>
          new TenantProvisioner({ ...options, database: { adminUrl: serverAdminUrl() }, defaultStrategy: 'database' }),
      ).toThrow(/database.appUrl/);
    } finally {
      await plain.close();
    }

    const [noConfig, reserved] = tenantIds('dbrefused', 2);
    await expect(h.provisioner().provision({ id: noConfig, strategy: 'database' })).rejects.toThrow(/database options/);
    // Checked before the record is written: a refused provisioning leaves nothing behind.
    expect(await h.store.findById(noConfig)).toBeNull();

    const p = provisioner({ perTenantRole: true });
    const postgresUrl = new URL('/postgres', h.db.appUrl).href;
    await expect(p.provision({ id: reserved, databaseUrl: postgresUrl })).rejects.toMatchObject({
      errorCode: 'TENANT_MISCONFIGURED',
    });
    expect(await h.store.findById(reserved)).toBeNull();
    // A record written by hand naming it is refused at deprovision too.
    await h.store.create({ id: reserved, strategy: 'database', databaseUrl: postgresUrl, status: 'failed' });
    await expect(p.deprovision(reserved, { confirm: reserved })).rejects.toMatchObject({
      errorCode: 'TENANT_MISCONFIGURED',
    });
    expect((await admin.query("SELECT 1 FROM pg_database WHERE datname = 'postgres'")).rowCount).toBe(1);
  });
});
