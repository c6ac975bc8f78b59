import type { Pool } from 'pg';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { quoteIdent, REGISTRY_TABLE } from './registry.constants';
import { COLUMNS } from './registry.sql';

const INSUFFICIENT_PRIVILEGE = '42501';
const UNDEFINED_TABLE = '42P01';
const INVALID_SCHEMA_NAME = '3F000';
const UNDEFINED_COLUMN = '42703';

/**
 * Runs the registry's own read (every column, no row) and, when PostgreSQL
 * refuses it, throws a `TenancyConfigError` that says what the connecting
 * role lacks and the statement that fixes it. Without this, an app role
 * missing its grants boots fine and answers every request with a bare 500.
 * Any other failure (the server unreachable) is rethrown as it is.
 */
export async function assertRegistryReadable(pool: Pool, schema: string): Promise<void> {
  const table = `${quoteIdent(schema)}.${REGISTRY_TABLE}`;
  try {
    await pool.query(`SELECT ${COLUMNS} FROM ${table} WHERE false`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === INSUFFICIENT_PRIVILEGE) throw await missingGrants(pool, schema, table, error as Error);
    if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME) {
      throw new TenancyConfigError(
        'store',
        `the tenant registry ${table} does not exist. Create it as the registry's owner: ` +
          `await store.migrate(), or \`npx nestjs-prisma-tenancy init\` (TENANCY_REGISTRY_SCHEMA=${schema}); ` +
          'or give PrismaTenantStore the `schema` it was created in',
      );
    }
    if (code === UNDEFINED_COLUMN) {
      throw new TenancyConfigError(
        'store',
        `the tenant registry ${table} predates this release: upgrade it as its owner with store.migrate() (CLI: init)`,
      );
    }
    throw error;
  }
}

/** The privileges the role lacks (read from the catalogs, which need none), as an error with the GRANTs to run. */
async function missingGrants(pool: Pool, schema: string, table: string, cause: Error): Promise<TenancyConfigError> {
  const { rows } = await pool.query<{ role: string; usage: boolean | null; select: boolean | null }>(
    `SELECT current_user AS role,
            (SELECT has_schema_privilege(n.oid, 'USAGE') FROM pg_namespace n WHERE n.nspname = $1) AS usage,
            (SELECT has_table_privilege(c.oid, 'SELECT') FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2) AS select`,
    [schema, REGISTRY_TABLE],
  );
  const { role, usage, select } = rows[0];
  const missing: string[] = [];
  const grants: string[] = [];
  // Both grants when the catalogs show neither missing (a column-level REVOKE, say): they are what reads need.
  const undetermined = usage !== false && select !== false;
  if (usage === false || undetermined) {
    missing.push(`USAGE on schema ${quoteIdent(schema)}`);
    grants.push(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${quoteIdent(role)};`);
  }
  if (select === false || undetermined) {
    missing.push(`SELECT on table ${table}`);
    grants.push(`GRANT SELECT ON ${table} TO ${quoteIdent(role)};`);
  }
  return new TenancyConfigError(
    'store',
    `the role "${role}" cannot read the tenant registry ${table} (${undetermined ? cause.message : `missing ${missing.join(' and ')}`}), ` +
      `so every request would fail. As the registry's owner (the role that ran store.migrate() or init), run: ${grants.join(' ')}`,
  );
}
