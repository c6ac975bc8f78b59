import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { escapeIdentifier, escapeLiteral, Pool } from 'pg';
import { readMigrationsFolder, TenantMigrationRunner } from '../../lib/migrations';
import { markSql } from '../../lib/strategies/shared/ownership-marker';
import type { BenchDatabase } from './bench-database';

const FIXTURE_MIGRATIONS = join(__dirname, '../../test/fixtures/prisma/migrations');
/** The fixture's table migration (no RLS: in the schema strategy the schema is the boundary). */
const INIT_MIGRATION = '20250101000000_init';

/** One tenant schema, as the bench created and seeded it. */
export interface BenchTenantSchema {
  tenantId: string;
  schema: string;
}

export interface TenantSchemasResult {
  tenants: BenchTenantSchema[];
  migrateMs: number;
}

/** The app role's name, read from the bench database's app URL. */
export function appRoleOf(db: BenchDatabase): string {
  return decodeURIComponent(new URL(db.appUrl).username);
}

/** The database's name, read from a URL. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Runs `sql(batch)` over `items` in batches: one statement over 1,000 schemas would exhaust the lock table. */
async function inBatches<T>(pool: Pool, items: T[], size: number, sql: (batch: T[]) => string): Promise<void> {
  for (let i = 0; i < items.length; i += size) await pool.query(sql(items.slice(i, i + size)));
}

/**
 * One schema per tenant (`tenant_<id>`) in the bench database, migrated with
 * the package's `TenantMigrationRunner` from the fixture's table migration,
 * readable and writable by the app role, each with the row `rowId` of its tenant.
 */
export async function createTenantSchemas(
  db: BenchDatabase,
  tenantIds: readonly string[],
  options: { rowId: string; concurrency?: number },
): Promise<TenantSchemasResult> {
  const tenants = tenantIds.map((tenantId) => ({ tenantId, schema: `tenant_${tenantId}` }));
  const migrations = (await readMigrationsFolder(FIXTURE_MIGRATIONS)).filter((m) => m.name === INIT_MIGRATION);
  const concurrency = options.concurrency ?? 4;
  const pool = new Pool({ connectionString: db.adminUrl, max: concurrency + 1 });
  try {
    const started = performance.now();
    const report = await new TenantMigrationRunner({ pool, migrations }).migrateAll(
      tenants.map((t) => ({ schema: t.schema, tenantId: t.tenantId })),
      { concurrency },
    );
    const migrateMs = performance.now() - started;
    if (report.totals.failed > 0) {
      const first = report.targets.find((t) => t.status === 'failed');
      throw new Error(
        `${report.totals.failed} tenant schemas failed to migrate; first: ${first?.target.schema}: ${first?.error?.message}`,
      );
    }
    const role = escapeIdentifier(appRoleOf(db));
    await inBatches(pool, tenants, 50, (batch) =>
      batch
        .map(({ tenantId, schema }) => {
          const s = escapeIdentifier(schema);
          return (
            `GRANT USAGE ON SCHEMA ${s} TO ${role}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role}; ` +
            // The ownership marker provisioning writes: the schema strategy serves no tenant from an unmarked schema.
            `${markSql('schema', s, tenantId)}; ` +
            `INSERT INTO ${s}.projects (id, tenant_id, name) VALUES (${escapeLiteral(options.rowId)}, ${escapeLiteral(tenantId)}, 'bench');`
          );
        })
        .join('\n'),
    );
    return { tenants, migrateMs };
  } finally {
    await pool.end();
  }
}

/** Adds `count` more rows to one tenant's projects (so the hit-cost query is an index lookup in a real table) and analyzes it. */
export async function fillTenantSchema(db: BenchDatabase, tenant: BenchTenantSchema, count: number): Promise<void> {
  const pool = new Pool({ connectionString: db.adminUrl, max: 1 });
  try {
    const s = escapeIdentifier(tenant.schema);
    await pool.query(
      `INSERT INTO ${s}.projects (id, tenant_id, name) SELECT 'p' || g, ${escapeLiteral(tenant.tenantId)}, 'n' FROM generate_series(1, ${count}) g`,
    );
    await pool.query(`ANALYZE ${s}.projects`);
  } finally {
    await pool.end();
  }
}
