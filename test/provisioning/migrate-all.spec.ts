import { Pool } from 'pg';

import { formatMigrationReport } from '../../lib/migrations/migration-report';
import { withLifecycleLock } from '../../lib/provisioning/lifecycle-lock';
import type { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import type { RegistryTenant } from '../../lib/registry/registry-tenant.interface';
import {
  APP_MIGRATIONS,
  LABELS,
  THIRD,
  appliedIn,
  createProvisioningHarness,
  migrationsOf,
  recordEvents,
  tenantIds,
  type ProvisioningHarness,
} from './provisioning-fixtures';

describe('TenantProvisioner.migrate / migrateAll', () => {
  let h: ProvisioningHarness;
  let owner: Pool;
  let tenants: RegistryTenant[];

  beforeAll(async () => {
    h = await createProvisioningHarness();
    owner = new Pool({ connectionString: h.db.ownerUrl, max: 2 });
    const provisioner = h.provisioner();
    tenants = [];
    for (const id of tenantIds('fleet', 4)) tenants.push(await provisioner.provision({ id }));
    // Not migrated by migrateAll: suspended (unless asked), provisioning, and RLS tenants.
    const [sleeping, pending, shared] = tenantIds('other', 3);
    await provisioner.provision({ id: sleeping });
    await provisioner.suspend(sleeping);
    await h.store.create({ id: pending, strategy: 'schema' });
    await h.store.create({ id: shared, strategy: 'rls', status: 'active' });
  });

  afterAll(async () => {
    await owner?.end();
    await h?.close();
  });

  it('goes on past a tenant whose migration fails, records it, and finishes it once fixed and re-run', async () => {
    const provisioner = h.provisioner({ migrations: [...APP_MIGRATIONS, LABELS] });
    const events = recordEvents(provisioner);
    const [a, b, c, d] = tenants;
    // Something in tenant C's schema that the new migration collides with.
    await owner.query(`CREATE TABLE ${c.schemaName}.labels (x int)`);

    const progress: string[] = [];
    const report = await provisioner.migrateAll({
      concurrency: 2,
      onProgress: (line) => progress.push(line.target.tenantId!),
    });
    expect(report.totals).toMatchObject({ targets: 4, ok: 3, failed: 1, applied: 3 });
    expect(progress.sort()).toEqual(tenants.map((t) => t.id).sort());
    const failed = report.targets.find((line) => line.status === 'failed')!;
    expect(failed.target).toEqual({ tenantId: c.id, schema: c.schemaName });
    expect(failed.error!.message).toMatch(/"labels" already exists/);
    expect(formatMigrationReport(report)).toContain('3 ok, 1 failed');

    for (const t of [a, b, d])
      expect(await h.store.findById(t.id)).toMatchObject({
        schemaVersion: LABELS.name,
        lastError: null,
        status: 'active',
      });
    const recorded = (await h.store.findById(c.id))!;
    expect(recorded).toMatchObject({ schemaVersion: THIRD, status: 'active' }); // still served, on the previous version
    expect(recorded.lastError).toMatch(/"labels" already exists/);
    expect(events.filter(([e]) => e === 'migrated')).toHaveLength(3);
    expect(events.filter(([e]) => e === 'failed')).toEqual([
      ['failed', expect.objectContaining({ tenantId: c.id, operation: 'migrate' })],
    ]);

    // Blocked until resolved, as with Prisma: fix the cause, mark it rolled back, run again.
    await owner.query(`DROP TABLE ${c.schemaName}.labels`);
    expect((await provisioner.migrateAll()).totals).toMatchObject({ ok: 3, failed: 1, applied: 0 });
    expect(await provisioner.markRolledBack(c.id, LABELS.name)).toBe(1);
    const rerun = await provisioner.migrateAll({ concurrency: 3 });
    expect(rerun.totals).toMatchObject({ targets: 4, ok: 4, failed: 0, applied: 1 });
    expect(rerun.targets.find((line) => line.target.tenantId === c.id)!.applied).toEqual([LABELS.name]);
    expect(await h.store.findById(c.id)).toMatchObject({ schemaVersion: LABELS.name, lastError: null });
    expect(await appliedIn(owner, c.schemaName!)).toEqual([...APP_MIGRATIONS, LABELS].map((m) => m.name));
  });

  it('migrates suspended tenants when asked to, never RLS or half-provisioned ones', async () => {
    const provisioner = h.provisioner({ migrations: [...APP_MIGRATIONS, LABELS] });
    const report = await provisioner.migrateAll({ statuses: ['active', 'suspended', 'provisioning' as never] });
    const ids = report.targets.map((line) => line.target.tenantId);
    expect(ids).toHaveLength(5);
    expect(report.totals).toMatchObject({ ok: 5, applied: 1 });
  });

  it('applies nothing twice when two processes migrate one tenant at once, through migrate() or migrateAll()', async () => {
    const extra = migrationsOf({ '20250105000000_tags': 'CREATE TABLE "tags" ("id" TEXT PRIMARY KEY);\n' })[0];
    const migrations = [...APP_MIGRATIONS, LABELS, extra];
    const one = h.provisioner({ migrations });
    const two = h.provisioner({ migrations });
    const [a] = tenants;

    const results = await Promise.all([one.migrate(a.id), two.migrate(a.id), two.migrateAll({ concurrency: 4 })]);
    const appliedToA = [
      ...results[0].applied,
      ...results[1].applied,
      ...results[2].targets.filter((line) => line.target.tenantId === a.id).flatMap((line) => line.applied),
    ];
    expect(appliedToA).toEqual([extra.name]);
    expect(results[2].totals.failed).toBe(0);
    const { rows } = await owner.query(
      `SELECT count(*)::int AS n FROM ${a.schemaName}._prisma_migrations WHERE migration_name = $1`,
      [extra.name],
    );
    expect(rows[0].n).toBe(1);
    expect(await h.store.findById(a.id)).toMatchObject({ schemaVersion: extra.name });

    // An older deployment migrating later never moves the recorded version back.
    await h.provisioner().migrate(a.id);
    expect(await h.store.findById(a.id)).toMatchObject({ schemaVersion: extra.name });
  });

  it('reports a migration failure of migrate(id) on the record, the event and the thrown error', async () => {
    const [, b] = tenants;
    const provisioner = h.provisioner({
      migrations: [...APP_MIGRATIONS, ...migrationsOf({ '20250109000000_bad': 'SELECT 1/0;\n' })],
    });
    const events = recordEvents(provisioner);
    await expect(provisioner.migrate(b.id)).rejects.toThrow(/division by zero/);
    expect((await h.store.findById(b.id))!.lastError).toMatch(/division by zero/);
    expect(events).toEqual([['failed', expect.objectContaining({ tenantId: b.id, operation: 'migrate' })]]);
    await expect(provisioner.migrate('no-such-tenant')).rejects.toMatchObject({ errorCode: 'TENANT_NOT_FOUND' });
  });

  it("takes each tenant's lifecycle lock: a tenant deprovisioned while migrateAll runs is skipped, not failed or recreated", async () => {
    const provisioner = h.provisioner();
    const [keep, going] = tenantIds('racing', 2);
    const kept = await provisioner.provision({ id: keep });
    const gone = await provisioner.provision({ id: going });
    const extra = migrationsOf({ '20250106000000_notes': 'CREATE TABLE "notes" ("id" TEXT PRIMARY KEY);\n' })[0];
    const later = h.provisioner({ migrations: [...APP_MIGRATIONS, LABELS, extra] });
    const events = recordEvents(later);

    // A deprovision in another process: it holds the tenant's lock while migrateAll starts.
    let run!: Promise<Awaited<ReturnType<TenantProvisioner['migrateAll']>>>;
    let keptDone!: () => void;
    const keptMigrated = new Promise<void>((resolve) => (keptDone = resolve));
    await withLifecycleLock(h.store.pool, `${h.store.schema}:${going}`, 'deprovision', 0, async () => {
      run = later.migrateAll({ concurrency: 8, onProgress: (line) => line.target.tenantId === keep && keptDone() });
      await keptMigrated; // the others go on meanwhile; this tenant waits for the lock
      await h.store.setStatus(going, 'deleted');
      await owner.query(`DROP SCHEMA ${gone.schemaName} CASCADE`);
    });
    const report = await run;

    // (Other tenants of this suite may fail on their own earlier history; these two are the race.)
    const line = report.targets.find((l) => l.target.tenantId === going)!;
    expect(line).toMatchObject({
      status: 'skipped',
      applied: [],
      warnings: ['skipped: no longer migratable (deprovisioned or suspended meanwhile)'],
    });
    expect(report.targets.find((l) => l.target.tenantId === keep)!.applied).toContain(extra.name);
    expect((await owner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [gone.schemaName])).rowCount).toBe(0);
    expect(await h.store.findById(going)).toMatchObject({ status: 'deleted', lastError: null });
    expect(events.filter(([, e]) => (e as { tenantId?: string }).tenantId === going)).toEqual([]);
    expect(await appliedIn(owner, kept.schemaName!)).toContain(extra.name);
  });

  it('does not recreate a schema that is gone: the tenant fails instead', async () => {
    const provisioner = h.provisioner();
    const [id] = tenantIds('vanished', 1);
    const tenant = await provisioner.provision({ id });
    await owner.query(`DROP SCHEMA ${tenant.schemaName} CASCADE`);
    await expect(provisioner.migrate(id)).rejects.toThrow(/does not exist/);
    expect((await owner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tenant.schemaName])).rowCount).toBe(0);
  });
});
