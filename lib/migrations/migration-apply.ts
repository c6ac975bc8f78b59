import { randomUUID } from 'node:crypto';
import { MigrationFailedError } from './errors/migration-failed.error';
import {
  historyTable,
  insertApplied,
  insertFailed,
  insertStarted,
  markFailed,
  markFinished,
  quoteIdent,
} from './prisma-migrations.sql';
import type { MigrationClient, MigrationTarget, TenantMigration } from './tenant-migration.interface';

interface DatabaseError extends Error {
  code?: string;
  position?: string;
}

/**
 * Applies one migration in its own transaction, together with its
 * `_prisma_migrations` row, so a crash at any point leaves either both or
 * neither. For a schema target, `search_path` is set to that schema alone
 * with SET LOCAL, so it cannot outlive the transaction. The script goes through the simple query protocol, as Prisma sends
 * it, so it may hold many statements. Unlike Prisma (row first, then script,
 * no transaction) a failed script leaves no partial change behind; the
 * failure is then recorded in its own row (finished_at NULL, logs holding the
 * error), which blocks the target until resolved, as with Prisma.
 *
 * Scripts that manage transactions themselves (their own BEGIN/COMMIT) still
 * run, but lose this atomicity. A script that uses CONCURRENTLY (which
 * PostgreSQL refuses in a transaction block) runs as Prisma runs every
 * migration instead: see `applyOutsideTransaction`.
 */
export async function applyMigration(
  client: MigrationClient,
  target: MigrationTarget,
  schema: string,
  migration: TenantMigration,
): Promise<void> {
  const table = historyTable(schema);
  if (needsNoTransaction(migration.sql)) return applyOutsideTransaction(client, target, table, migration);
  const startedAt = new Date();
  try {
    // A target without a schema keeps the connection's own search path.
    await client.query(target.schema ? `BEGIN; SET LOCAL search_path TO ${quoteIdent(target.schema)}` : 'BEGIN');
    await client.query(migration.sql);
    await client.query(insertApplied(table), [randomUUID(), migration.checksum, migration.name]);
    await client.query('COMMIT');
  } catch (caught) {
    const error: DatabaseError = caught instanceof Error ? caught : new Error(String(caught));
    await client.query('ROLLBACK').catch(() => undefined);
    const logs = failureLogs(migration, error);
    const recorded = await client
      .query(insertFailed(table), [randomUUID(), migration.checksum, migration.name, startedAt, logs])
      .then(
        () => true,
        () => false,
      );
    throw new MigrationFailedError(target, migration.name, error.code, recorded, error);
  }
}

// CONCURRENTLY outside comments: CREATE/DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY,
// REFRESH MATERIALIZED VIEW CONCURRENTLY, DETACH PARTITION ... CONCURRENTLY.
function needsNoTransaction(sql: string): boolean {
  return /\bCONCURRENTLY\b/i.test(sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' '));
}

/**
 * Prisma's way, for scripts that cannot run in a transaction block: the row
 * first (unfinished), then the script on its own, then the row finished. The
 * script must then be a single statement, as with Prisma (PostgreSQL runs a
 * multi-statement string in one implicit transaction). A failure may leave
 * part of the script applied (as with Prisma) and is recorded in the row's
 * logs; a crash leaves the row unfinished: either way the target is blocked
 * until resolved. The search path is set for the script and then restored.
 */
async function applyOutsideTransaction(
  client: MigrationClient,
  target: MigrationTarget,
  table: string,
  migration: TenantMigration,
): Promise<void> {
  const id = randomUUID();
  await client.query(insertStarted(table), [id, migration.checksum, migration.name]);
  const previous = target.schema
    ? (await client.query("SELECT current_setting('search_path') AS path")).rows[0].path
    : undefined;
  try {
    if (target.schema) await client.query(`SET search_path TO ${quoteIdent(target.schema)}`);
    await client.query(migration.sql);
  } catch (caught) {
    const error: DatabaseError = caught instanceof Error ? caught : new Error(String(caught));
    const recorded = await client.query(markFailed(table), [id, failureLogs(migration, error)]).then(
      () => true,
      () => false,
    );
    throw new MigrationFailedError(target, migration.name, error.code, recorded, error);
  } finally {
    if (previous !== undefined)
      await client.query("SELECT set_config('search_path', $1, false)", [previous]).catch(() => undefined);
  }
  await client.query(markFinished(table), [id]);
}

/** The `logs` text of a failed migration, in the form of Prisma's P3018 message. */
export function failureLogs(migration: TenantMigration, error: DatabaseError): string {
  return [
    'A migration failed to apply. New migrations cannot be applied before the error is recovered from. ' +
      'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve',
    `Migration name: ${migration.name}`,
    `Database error code: ${error.code ?? 'none'}`,
    `Database error:\nERROR: ${error.message}${position(migration.sql, error.position)}`,
  ].join('\n\n');
}

// PostgreSQL reports a 1-based character offset into the script; people want the line.
function position(sql: string, offset: string | undefined): string {
  const at = Number(offset);
  if (!Number.isInteger(at) || at < 1) return '';
  const before = sql.slice(0, at - 1).split('\n');
  const line = before.length;
  const text = sql.split('\n')[line - 1]?.replace(/\r$/, '') ?? '';
  return `\n\nPosition:\n${String(line).padStart(3)} ${text}`;
}
