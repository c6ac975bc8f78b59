import { escapeIdentifier, escapeLiteral, Pool } from 'pg';
import { createBenchDatabase, type BenchDatabase } from '../support/bench-database';
import { createTenantDatabases, type BenchTenantDatabase } from '../support/tenant-databases';
import { createTenantSchemas } from '../support/tenant-schemas';

/** The tenant every RLS variant queries, its primary-key row, and how many rows it has (findMany reads 50 of them). */
export const TENANT = 'bench';
export const ROW = 'bench-row';
export const TENANT_ROWS = 100;
/** Name of every row a `create` bench adds, so they can be deleted between rounds. */
export const CREATED = 'created';

/** Where each strategy's data lives; the same shape (the fixture's projects table) and the same rows of its tenant. */
export interface RlsBenchData {
  /** The RLS tables (policies from the fixture's migrations): `TENANT_ROWS` rows of `TENANT` among 10,000 of 100 other tenants. */
  db: BenchDatabase;
  /**
   * The schema tenant's database: a database of its own, because the RLS
   * strategy's boot self-check rightly refuses a database where the app role
   * reaches tenant tables without RLS.
   */
  schema?: { db: BenchDatabase; tenantId: string; schemaName: string };
  database?: BenchTenantDatabase & { drop(): Promise<void> };
  /** Deletes the rows `create` added everywhere (and vacuums, so the tables stay as seeded). */
  deleteCreated(): Promise<void>;
  stop(): Promise<void>;
}

/** `TENANT_ROWS - 1` more rows of `tenantId` beside its `ROW`, in `table` (a qualified name). */
function fillSql(table: string, tenantId: string): string {
  const t = escapeLiteral(tenantId);
  return (
    `INSERT INTO ${table} (id, tenant_id, name) SELECT ${t} || '-' || g, ${t}, 'n' FROM generate_series(1, ${TENANT_ROWS - 1}) g; ` +
    `ANALYZE ${table}`
  );
}

/** Seeds the RLS database, and (when asked) a schema tenant and a database tenant with the same rows. */
export async function createRlsBenchData(options: { schema: boolean; database: boolean }): Promise<RlsBenchData> {
  const db = await createBenchDatabase();
  const admin = new Pool({ connectionString: db.adminUrl, max: 1 });
  await admin.query(
    `INSERT INTO projects (id, tenant_id, name) VALUES (${escapeLiteral(ROW)}, ${escapeLiteral(TENANT)}, 'x'); ` +
      `INSERT INTO projects (id, tenant_id, name) SELECT 'p' || g, 't' || (g % 100), 'n' FROM generate_series(1, 10000) g; ` +
      fillSql('projects', TENANT),
  );
  const cleanups: Array<{ pool: Pool; table: string }> = [{ pool: admin, table: 'projects' }];
  let schema: RlsBenchData['schema'];
  if (options.schema) {
    const schemaDb = await createBenchDatabase();
    const { tenants } = await createTenantSchemas(schemaDb, ['sbench'], { rowId: ROW, concurrency: 1 });
    const pool = new Pool({ connectionString: schemaDb.adminUrl, max: 1 });
    const table = `${escapeIdentifier(tenants[0].schema)}.projects`;
    await pool.query(fillSql(table, tenants[0].tenantId));
    cleanups.push({ pool, table });
    schema = { db: schemaDb, tenantId: tenants[0].tenantId, schemaName: tenants[0].schema };
  }
  let database: RlsBenchData['database'];
  if (options.database) {
    const { tenants, drop } = await createTenantDatabases(db, ['dbench'], { rowId: ROW });
    const pool = new Pool({ connectionString: tenants[0].adminUrl, max: 1 });
    await pool.query(fillSql('projects', tenants[0].tenantId));
    cleanups.push({ pool, table: 'projects' });
    database = { ...tenants[0], drop };
  }
  return {
    db,
    schema,
    database,
    deleteCreated: async () => {
      for (const { pool, table } of cleanups) {
        await pool.query(`DELETE FROM ${table} WHERE name = ${escapeLiteral(CREATED)}`);
        await pool.query(`VACUUM ${table}`);
      }
    },
    stop: async () => {
      for (const { pool } of cleanups) await pool.end();
      await database?.drop();
      await schema?.db.stop();
      await db.stop();
    },
  };
}
