import { Pool } from 'pg';
import { readMigrationsFolder, TenantMigrationRunner } from '../../../lib/migrations';
import {
  createTestDatabase,
  FIXTURE_MIGRATIONS,
  FIXTURE_MIGRATIONS_DIR,
  markOwned,
  type TestDatabase,
} from '../../support';

/**
 * A database for the schema strategy: shared tables in `public`, and one
 * schema per tenant (`tenant_<id>`) migrated by the package's own runner with
 * the fixture's table migration (no RLS: the schema is the boundary), each
 * marked as its tenant's, as provisioning marks them.
 */
export async function createSchemaTenantsDatabase(tenantIds: readonly string[]): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrations: [FIXTURE_MIGRATIONS.init] });
  const migrations = (await readMigrationsFolder(FIXTURE_MIGRATIONS_DIR)).filter(
    (m) => m.name === FIXTURE_MIGRATIONS.init,
  );
  const pool = new Pool({ connectionString: db.ownerUrl, max: 4 });
  try {
    const runner = new TenantMigrationRunner({ pool, migrations });
    const report = await runner.migrateAll(
      tenantIds.map((id) => ({ schema: `tenant_${id}`, tenantId: id })),
      { concurrency: 4 },
    );
    if (report.totals.failed > 0)
      throw new Error(
        `tenant schema migration failed: ${JSON.stringify(report.targets.filter((t) => t.status === 'failed'))}`,
      );
    for (const id of tenantIds) await markOwned(db.ownerUrl, 'schema', `tenant_${id}`, id);
  } finally {
    await pool.end();
  }
  return db;
}
