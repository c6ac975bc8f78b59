import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, escapeIdentifier, escapeLiteral, Pool } from 'pg';
import { readMigrationsFolder, TenantMigrationRunner } from '../../lib/migrations';
import { markSql } from '../../lib/strategies/shared/ownership-marker';
import type { BenchDatabase } from './bench-database';
import { appRoleOf, databaseOf } from './tenant-schemas';

const FIXTURE_MIGRATIONS = join(__dirname, '../../test/fixtures/prisma/migrations');
const INIT_MIGRATION = '20250101000000_init';

/** One tenant database, as the bench created and seeded it. */
export interface BenchTenantDatabase {
  tenantId: string;
  database: string;
  /** The app role's URL of the database: what the tenant record holds. */
  appUrl: string;
  adminUrl: string;
}

export interface TenantDatabasesResult {
  tenants: BenchTenantDatabase[];
  setupMs: number;
  /** Drops every database created here. */
  drop(): Promise<void>;
}

function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * One database per tenant on the bench database's server: a template
 * database migrated with the package's `TenantMigrationRunner` (fixture table
 * migration, tables granted to the app role), copied once per tenant with
 * `CREATE DATABASE ... TEMPLATE`, then each seeded with the row `rowId` of
 * its tenant.
 */
export async function createTenantDatabases(
  db: BenchDatabase,
  tenantIds: readonly string[],
  options: { rowId: string },
): Promise<TenantDatabasesResult> {
  const started = performance.now();
  const prefix = `${databaseOf(db.adminUrl)}_t`;
  const template = `${prefix}emplate`;
  const role = escapeIdentifier(appRoleOf(db));
  const created: string[] = [];
  const admin = new Client({ connectionString: db.adminUrl });
  await admin.connect();
  const drop = async () => {
    for (const name of created.reverse())
      await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
    created.length = 0;
    await admin.end();
  };
  try {
    await admin.query(`CREATE DATABASE ${escapeIdentifier(template)}`);
    created.push(template);
    const pool = new Pool({ connectionString: onDatabase(db.adminUrl, template), max: 1 });
    try {
      const migrations = (await readMigrationsFolder(FIXTURE_MIGRATIONS)).filter((m) => m.name === INIT_MIGRATION);
      await new TenantMigrationRunner({ pool, migrations, schema: 'public' }).migrate({ tenantId: 'template' });
      await pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    } finally {
      await pool.end();
    }
    const tenants: BenchTenantDatabase[] = [];
    for (const tenantId of tenantIds) {
      const database = `${prefix}_${tenantId}`;
      await admin.query(`CREATE DATABASE ${escapeIdentifier(database)} TEMPLATE ${escapeIdentifier(template)}`);
      created.push(database);
      // The ownership marker provisioning writes: the database strategy serves no tenant from an unmarked database.
      await admin.query(markSql('database', escapeIdentifier(database), tenantId));
      const adminUrl = onDatabase(db.adminUrl, database);
      const seed = new Client({ connectionString: adminUrl });
      await seed.connect();
      try {
        await seed.query(
          `INSERT INTO projects (id, tenant_id, name) VALUES (${escapeLiteral(options.rowId)}, ${escapeLiteral(tenantId)}, 'bench')`,
        );
      } finally {
        await seed.end();
      }
      tenants.push({ tenantId, database, appUrl: onDatabase(db.appUrl, database), adminUrl });
    }
    return { tenants, setupMs: performance.now() - started, drop };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

/** Adds `count` rows to one tenant database's projects and analyzes it. */
export async function fillTenantDatabase(tenant: BenchTenantDatabase, count: number): Promise<void> {
  const client = new Client({ connectionString: tenant.adminUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO projects (id, tenant_id, name) SELECT 'p' || g, ${escapeLiteral(tenant.tenantId)}, 'n' FROM generate_series(1, ${count}) g`,
    );
    await client.query('ANALYZE projects');
  } finally {
    await client.end();
  }
}
