import { Pool } from 'pg';

import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
import { DeprovisionNotConfirmedError } from '../../lib/provisioning/deprovision-not-confirmed.error';
import { TenantLifecycleError } from '../../lib/provisioning/tenant-lifecycle.error';
import type { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import { withClient } from '../support';
import {
  APP_MIGRATIONS,
  FIRST,
  LABELS,
  THIRD,
  appliedIn,
  createProvisioningHarness,
  migrationsOf,
  recordEvents,
  tablesOf,
  tenantIds,
  type ProvisioningHarness,
} from './provisioning-fixtures';

describe('TenantProvisioner, schema strategy', () => {
  let h: ProvisioningHarness;
  let owner: Pool;
  let provisioner: TenantProvisioner;

  beforeAll(async () => {
    h = await createProvisioningHarness();
    owner = new Pool({ connectionString: h.db.ownerUrl, max: 2 });
    provisioner = h.provisioner();
  });

  afterAll(async () => {
    await owner?.end();
    await h?.close();
  });

  it('creates the schema, migrates it, grants the app role, records it and only then marks it active', async () => {
    const [id] = tenantIds('acme', 1);
    const events = recordEvents(provisioner);
    const tenant = await provisioner.provision({ id, name: 'Acme' });
    const schema = `tenant_${id.replace(/-/g, '_')}`;

    expect(tenant).toMatchObject({
      id,
      name: 'Acme',
      status: 'active',
      strategy: 'schema',
      schemaName: schema,
      schemaVersion: THIRD,
      lastError: null,
    });
    expect(tenant.migratedAt).toBeInstanceOf(Date);
    expect(await tablesOf(owner, schema)).toEqual(['_prisma_migrations', 'audit_log', 'projects', 'tasks']);
    expect(await appliedIn(owner, schema)).toEqual(APP_MIGRATIONS.map((m) => m.name));
    expect(events).toEqual([
      ['provisioned', expect.objectContaining({ tenant, applied: APP_MIGRATIONS.map((m) => m.name) })],
    ]);

    // The app role works in the tenant schema, and cannot touch the migration history.
    await withClient(h.db.appUrl, async (app) => {
      await app.query(`SET search_path TO ${schema}`);
      await app.query("INSERT INTO projects (id, name) VALUES ('p1', 'First')");
      expect((await app.query('SELECT count(*)::int AS n FROM projects')).rows[0].n).toBe(2); // the seed row + ours
      await expect(app.query('SELECT * FROM _prisma_migrations')).rejects.toMatchObject({ code: '42501' });
      await expect(app.query('CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    });

    // Provisioning an active tenant again changes nothing.
    expect(await provisioner.provision({ id })).toEqual(tenant);
    expect(events).toHaveLength(1);
  });

  it('leaves a tenant failed (never active) when a migration fails, and finishes it once the migration is fixed', async () => {
    const [id] = tenantIds('broken', 1);
    const broken = h.provisioner({
      migrations: migrationsOf({ [FIRST]: APP_MIGRATIONS[0].sql, '20250102000000_audit': 'CREATE TABLE oops (' }),
    });
    const events = recordEvents(broken);

    await expect(broken.provision({ id })).rejects.toThrow(/20250102000000_audit/);
    const failed = (await h.store.findById(id))!;
    expect(failed).toMatchObject({ status: 'failed', schemaVersion: FIRST });
    expect(failed.lastError).toMatch(/syntax error/);
    expect(events.map(([event]) => event)).toEqual(['failed']);
    expect(events[0][1]).toMatchObject({ tenantId: id, operation: 'provision' });

    // The fixed migrations (any process): provision resumes where it stopped.
    const tenant = await provisioner.provision({ id });
    expect(tenant).toMatchObject({ status: 'active', schemaVersion: THIRD, lastError: null });
    expect(await appliedIn(owner, failed.schemaName!)).toEqual(APP_MIGRATIONS.map((m) => m.name));
  });

  it('resumes a tenant stuck in provisioning (a crashed process) and refuses input contradicting its record', async () => {
    const [id] = tenantIds('stuck', 1);
    const schemaName = `custom_${id.replace(/-/g, '_')}`;
    await h.store.create({ id, strategy: 'schema', schemaName });
    // Half-made by the process that died: schema and ownership marker are created together.
    await owner.query(
      `BEGIN; CREATE SCHEMA ${schemaName}; COMMENT ON SCHEMA ${schemaName} IS 'nestjs-prisma-tenancy:tenant=${id}'; COMMIT`,
    );

    await expect(provisioner.provision({ id, schemaName: 'other_name' })).rejects.toMatchObject({ reason: 'mismatch' });
    await expect(provisioner.provision({ id, strategy: 'rls' })).rejects.toBeInstanceOf(TenantLifecycleError);
    expect(await provisioner.provision({ id })).toMatchObject({ status: 'active', schemaName });
    expect(await tablesOf(owner, schemaName)).toContain('projects');
  });

  it('provisions one id from two processes at once exactly once', async () => {
    const [id] = tenantIds('race', 1);
    const other = h.provisioner();
    const [a, b] = await Promise.all([provisioner.provision({ id }), other.provision({ id })]);
    expect(a.status).toBe('active');
    expect(b).toEqual(a);
    expect(await appliedIn(owner, a.schemaName!)).toEqual(APP_MIGRATIONS.map((m) => m.name));
  });

  it('suspends and activates, migrating on the way back in, with events', async () => {
    const [id] = tenantIds('sleepy', 1);
    await provisioner.provision({ id });
    const events = recordEvents(provisioner);
    expect((await provisioner.suspend(id)).status).toBe('suspended');
    expect((await provisioner.suspend(id)).status).toBe('suspended');

    const newer = h.provisioner({ migrations: [...APP_MIGRATIONS, LABELS] });
    newer.on('activated', (payload) => events.push(['activated', payload]));
    const active = await newer.activate(id);
    expect(active).toMatchObject({ status: 'active', schemaVersion: LABELS.name });
    expect(await tablesOf(owner, active.schemaName!)).toContain('labels');
    expect(events.map(([event]) => event)).toEqual(['suspended', 'activated']);

    await expect(provisioner.activate(tenantIds('ghost', 1)[0])).rejects.toMatchObject({
      errorCode: 'TENANT_NOT_FOUND',
    });
    const [fresh] = tenantIds('fresh', 1);
    await h.store.create({ id: fresh });
    await expect(provisioner.suspend(fresh)).rejects.toMatchObject({ reason: 'status', tenantStatus: 'provisioning' });
  });

  it('refuses to deprovision without the id repeated as confirmation, then drops the schema and records deleted', async () => {
    const [id] = tenantIds('gone', 1);
    const tenant = await provisioner.provision({ id });
    const events = recordEvents(provisioner);

    await expect(provisioner.deprovision(id, undefined as never)).rejects.toBeInstanceOf(DeprovisionNotConfirmedError);
    await expect(provisioner.deprovision(id, { confirm: 'yes' })).rejects.toBeInstanceOf(DeprovisionNotConfirmedError);
    await expect(provisioner.deprovision(id, { confirm: id.toUpperCase() })).rejects.toMatchObject({ status: 400 });
    expect((await h.store.findById(id))!.status).toBe('active');
    expect(await tablesOf(owner, tenant.schemaName!)).toContain('projects');

    expect((await provisioner.deprovision(id, { confirm: id })).status).toBe('deleted');
    expect((await owner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tenant.schemaName])).rowCount).toBe(0);
    expect(events).toEqual([
      ['deleted', { tenantId: id, strategy: 'schema', dropped: [`schema ${tenant.schemaName}`] }],
    ]);

    // Deleted is final for provision; deprovision may run again (a drop that failed half-way).
    await expect(provisioner.provision({ id })).rejects.toMatchObject({ reason: 'status', tenantStatus: 'deleted' });
    expect((await provisioner.deprovision(id, { confirm: id })).status).toBe('deleted');
  });

  it('refuses ids outside the pattern, and schema names that are unsafe, reserved or the registry', async () => {
    await expect(provisioner.provision({ id: 'bad id; drop' })).rejects.toBeInstanceOf(InvalidTenantIdError);
    for (const schemaName of ['public', 'tenancy', 'pg_evil', 'Upper']) {
      const [id] = tenantIds('unsafe', 1);
      await expect(provisioner.provision({ id, schemaName })).rejects.toMatchObject({
        errorCode: 'TENANT_MISCONFIGURED',
      });
      // Checked before the record is written: a refused provisioning leaves nothing behind.
      expect(await h.store.findById(id)).toBeNull();
    }
    expect(await tablesOf(owner, 'tenancy')).toEqual(['_prisma_migrations', 'tenancy_tenants']);
  });

  it("times out with a 'busy' conflict while another process holds the tenant", async () => {
    const [id] = tenantIds('busy', 1);
    await provisioner.provision({ id });
    const impatient = h.provisioner({ lockTimeoutMs: 200 });
    await withClient(h.db.ownerUrl, async (other) => {
      await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [0x4e50524c, `tenancy:${id}`]);
      await expect(impatient.suspend(id)).rejects.toMatchObject({ reason: 'busy', operation: 'suspend' });
    });
    expect((await impatient.suspend(id)).status).toBe('suspended');
  });
});
