import { Pool } from 'pg';

import { REGISTRY_MIGRATIONS } from '../../lib/registry/tenancy-registry.migration';
import { createCliHarness, type CliHarness } from './cli-fixtures';

// The upgrade path for tenants provisioned by a release that wrote no ownership markers.
describe('CLI: canonical ids and claim', () => {
  let h: CliHarness;
  let owner: Pool;
  const markerOf = async (schema: string) =>
    (
      await owner.query("SELECT obj_description(oid, 'pg_namespace') AS m FROM pg_namespace WHERE nspname = $1", [
        schema,
      ])
    ).rows[0]?.m;

  beforeAll(async () => {
    h = await createCliHarness();
    owner = new Pool({ connectionString: h.db.ownerUrl, max: 2 });
  });
  afterAll(async () => {
    await owner?.end();
    await h?.close();
  });

  it('provision refuses ids the module would not accept (upper case, `_`), before the registry is touched', async () => {
    for (const id of ['ACME', 'acme_co']) {
      const result = await h.run(['provision', id]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/malformed/);
    }
    expect((await owner.query("SELECT to_regclass('tenancy.tenancy_tenants') AS t")).rows[0].t).toBeNull();
  });

  it('provision upgrades a registry of the release before; claim marks an unmarked schema once, and only for the record naming it', async () => {
    expect((await h.run(['provision', 'legacy'])).code).toBe(0);
    // What the release before left: no marker, and a registry without the unique names.
    await owner.query('COMMENT ON SCHEMA tenant_legacy IS NULL');
    await owner.query(`DROP INDEX tenancy.tenancy_tenants_schema_name_key, tenancy.tenancy_tenants_database_key_key;
      ALTER TABLE tenancy.tenancy_tenants DROP COLUMN database_key;
      DELETE FROM tenancy._prisma_migrations WHERE migration_name = '${REGISTRY_MIGRATIONS[1].name}'`);

    // A retry of a tenant left on an unmarked schema refuses it rather than adopting it.
    await owner.query("UPDATE tenancy.tenancy_tenants SET status = 'failed' WHERE id = 'legacy'");
    const refused = await h.run(['provision', 'legacy']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/schema "tenant_legacy": it exists without an ownership marker .*claim it first/);
    // ...having upgraded the registry on the way.
    expect(
      (
        await owner.query(
          "SELECT 1 FROM pg_attribute WHERE attrelid = 'tenancy.tenancy_tenants'::regclass AND attname = 'database_key'",
        )
      ).rowCount,
    ).toBe(1);

    expect(await h.run(['claim', 'legacy'])).toMatchObject({
      code: 0,
      stdout: 'claimed legacy: marked schema tenant_legacy\n',
    });
    expect(await markerOf('tenant_legacy')).toBe('nestjs-prisma-tenancy:tenant=legacy');
    expect(await h.run(['claim', 'legacy'])).toMatchObject({
      code: 0,
      stdout: 'legacy already owns its objects: nothing to mark\n',
    });
    expect(await h.run(['provision', 'legacy'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^provisioned legacy/),
    });

    // Marked for someone else: refused, marker kept.
    await owner.query("COMMENT ON SCHEMA tenant_legacy IS 'nestjs-prisma-tenancy:tenant=other'");
    const foreign = await h.run(['claim', 'legacy']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/marked as another tenant's/);
    expect(await markerOf('tenant_legacy')).toBe('nestjs-prisma-tenancy:tenant=other');
    expect((await h.run(['claim', 'nobody'])).code).toBe(1);
  });
});
