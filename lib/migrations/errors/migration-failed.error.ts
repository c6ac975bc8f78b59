import type { MigrationTarget } from '../tenant-migration.interface';
import { describeTarget, TenantMigrationError } from './tenant-migration.error';

/**
 * A migration script failed on one target. Its transaction was rolled back,
 * so the target is exactly as before that migration; the failure is recorded
 * in `_prisma_migrations` (finished_at NULL, logs holding the error) and blocks
 * the target until resolved, as Prisma's P3018 does. Fix the script, then
 * `runner.markRolledBack(target, migrationName)` (or
 * `prisma migrate resolve --rolled-back`) and run again.
 */
export class MigrationFailedError extends TenantMigrationError {
  readonly errorCode = 'MIGRATION_FAILED';

  constructor(
    target: MigrationTarget,
    /** The folder name of the failed migration. */
    readonly migrationName: string,
    /** PostgreSQL's SQLSTATE, for example `42P01`; `undefined` when not a database error. */
    readonly databaseErrorCode: string | undefined,
    /** Whether the failure row could be written to `_prisma_migrations`. */
    readonly recorded: boolean,
    /** The database error. */
    override readonly cause: Error,
  ) {
    super(
      target,
      `Migration "${migrationName}" failed for ${describeTarget(target)}: ${cause.message}` +
        (databaseErrorCode ? ` (SQLSTATE ${databaseErrorCode})` : '') +
        '. It was rolled back' +
        (recorded
          ? ' and recorded as failed; fix it, mark it rolled back and run again.'
          : '; recording the failure failed too.'),
    );
  }
}
