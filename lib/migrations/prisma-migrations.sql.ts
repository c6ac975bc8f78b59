// SQL of Prisma's migration history table, kept byte-compatible with Prisma's
// schema engine so that `prisma migrate status/resolve/deploy` keep working on
// databases this runner migrated, and the other way round.

// Every statement names the table with its schema rather than relying on the
// search path, so a migration script that changes search_path cannot send the
// history rows elsewhere.

/** `"schema"._prisma_migrations`. */
export function historyTable(schema: string): string {
  return `${quoteIdent(schema)}._prisma_migrations`;
}

/**
 * Prisma's own DDL for PostgreSQL (prisma-engines, sql-schema-connector,
 * `create_migrations_table`), column for column; only the table name is
 * schema-qualified. The primary key is named `_prisma_migrations_pkey` either way.
 */
export const createHistoryTable = (table: string): string => `CREATE TABLE ${table} (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

/** One row of `_prisma_migrations`, as the runner reads it. */
export interface PrismaMigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
}

export const selectHistory = (table: string): string =>
  `SELECT id, checksum, migration_name, logs, finished_at, rolled_back_at, started_at FROM ${table} ORDER BY started_at`;

/**
 * A successful migration, written in the migration's own transaction so the
 * script and its row commit together. now() is the transaction start, so
 * started_at/finished_at bracket the script as Prisma's do.
 */
export const insertApplied = (table: string): string =>
  `INSERT INTO ${table} (id, checksum, migration_name, started_at, finished_at, applied_steps_count) ` +
  'VALUES ($1, $2, $3, now(), clock_timestamp(), 1)';

/** A failed migration, written after the rollback, as Prisma leaves it: finished_at NULL, logs set. */
export const insertFailed = (table: string): string =>
  `INSERT INTO ${table} (id, checksum, migration_name, started_at, logs, applied_steps_count) ` +
  'VALUES ($1, $2, $3, $4, $5, 0)';

/**
 * The row of a migration that runs outside a transaction, written before its
 * script as Prisma writes every row: finished_at NULL until `markFinished`, so
 * a crash mid-script leaves the migration failed (blocking), as with Prisma.
 */
export const insertStarted = (table: string): string =>
  `INSERT INTO ${table} (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`;

export const markFinished = (table: string): string =>
  `UPDATE ${table} SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`;

export const markFailed = (table: string): string => `UPDATE ${table} SET logs = $2 WHERE id = $1`;

/** `prisma migrate resolve --rolled-back <name>`. */
export const markRolledBack = (table: string): string =>
  `UPDATE ${table} SET rolled_back_at = now() ` +
  'WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL';

/** Tables and partitioned tables of a schema, other than the history table (Prisma's P3005 check). */
export const COUNT_USER_TABLES =
  'SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ' +
  "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'";

// Upper half of the two-int advisory lock key space used by this package;
// the lower half is hashtext(schema). The two-int form never collides with
// single-bigint locks such as Prisma's own pg_advisory_lock(72707369).
export const LOCK_NAMESPACE = 0x4e505254; // "NPRT"

const SCHEMA_NAME = /^[a-z_][a-z0-9_$]{0,62}$/i;

/** Whether a schema name is safe to quote into SQL and creatable (no `pg_` prefix). */
export function isValidSchemaName(name: unknown): name is string {
  return typeof name === 'string' && SCHEMA_NAME.test(name) && !/^pg_/i.test(name);
}

/** Quotes an identifier; the runner only passes validated names or names read from the server. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
