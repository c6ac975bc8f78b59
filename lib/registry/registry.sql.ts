import type { TenancyStrategyName, TenantStatus } from '../store/tenant.interface';
import type { RegistryTenant, RegistryTenantPatch } from './registry-tenant.interface';

/** One row of `tenancy_tenants`, as pg returns it. */
export interface RegistryRow {
  id: string;
  name: string | null;
  status: TenantStatus;
  strategy: TenancyStrategyName | null;
  schema_name: string | null;
  database_url: string | null;
  schema_version: string | null;
  migrated_at: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

export const COLUMNS =
  'id, name, status, strategy, schema_name, database_url, schema_version, migrated_at, last_error, created_at, updated_at';

/** A patch as written: the store adds the key it derives from `databaseUrl`. */
export type StoredPatch = RegistryTenantPatch & { databaseKey?: string | null };

// Patch keys and their columns; the order fixes the order of the SET list.
const PATCH_COLUMNS: [keyof StoredPatch, string][] = [
  ['name', 'name'],
  ['status', 'status'],
  ['strategy', 'strategy'],
  ['schemaName', 'schema_name'],
  ['databaseUrl', 'database_url'],
  ['databaseKey', 'database_key'],
  ['schemaVersion', 'schema_version'],
  ['migratedAt', 'migrated_at'],
  ['lastError', 'last_error'],
];

/**
 * Wraps a writing statement (with `RETURNING *`) so the same statement sends
 * the NOTIFY: PostgreSQL delivers it on commit, so listeners never hear of a
 * change that was rolled back, nor miss one that committed.
 */
export function withNotify(write: string, channelParam: number | null): string {
  const notify = channelParam === null ? '' : `, pg_notify($${channelParam}, w.id)`;
  return `WITH w AS (${write} RETURNING ${COLUMNS}) SELECT w.*${notify} FROM w`;
}

/** `INSERT` of a new tenant; parameters $1..$7 (the last is `database_key`). */
export const insertTenant = (table: string): string =>
  `INSERT INTO ${table} (id, name, status, strategy, schema_name, database_url, database_key) VALUES ($1, $2, $3, $4, $5, $6, $7)`;

/**
 * `UPDATE` of the patched fields (`undefined` ones left alone). `$1` is the id;
 * the values follow. `schemaVersion` only ever moves forward: migration names
 * start with a timestamp, so a process running older code cannot record an
 * older version over a newer one.
 */
export function updateTenant(table: string, patch: StoredPatch): { sql: string; values: unknown[] } {
  const sets = ['updated_at = CURRENT_TIMESTAMP'];
  const values: unknown[] = [];
  for (const [key, column] of PATCH_COLUMNS) {
    if (patch[key] === undefined) continue;
    values.push(patch[key]);
    const param = `$${values.length + 1}`;
    sets.push(
      key === 'schemaVersion'
        ? `${column} = CASE WHEN ${column} IS NULL OR ${param}::text IS NULL OR ${param}::text > ${column} COLLATE "C" ` +
            `THEN ${param}::text ELSE ${column} END`
        : `${column} = ${param}`,
    );
  }
  return { sql: `UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1`, values };
}

/** The row as a tenant, `database_url` untouched (the store decrypts it, or not). */
export function rowToTenant(row: RegistryRow): RegistryTenant {
  const tenant: RegistryTenant = {
    id: row.id,
    status: row.status,
    schemaVersion: row.schema_version,
    migratedAt: row.migrated_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  // Absent rather than null: `Tenant` declares these optional, and the
  // strategies treat a missing field as "use the default".
  if (row.name !== null) tenant.name = row.name;
  if (row.strategy !== null) tenant.strategy = row.strategy;
  if (row.schema_name !== null) tenant.schemaName = row.schema_name;
  if (row.database_url !== null) tenant.databaseUrl = row.database_url;
  return tenant;
}
