import type { MigrationTarget } from '../tenant-migration.interface';
import { describeTarget, TenantMigrationError } from './tenant-migration.error';

/**
 * The target has a migration recorded as failed and not resolved (Prisma's
 * P3009), so nothing more is applied to it. Inspect the target, then call
 * `runner.markRolledBack(target, name)` if the failed migration left no trace
 * (always the case when this runner recorded it), or
 * `prisma migrate resolve --applied` if you finished it by hand.
 */
export class FailedMigrationFoundError extends TenantMigrationError {
  readonly errorCode = 'FAILED_MIGRATION_FOUND';

  constructor(
    target: MigrationTarget,
    /** Names of the unresolved failed migrations. */
    readonly migrationNames: string[],
    /** Their `logs` column, in the same order. */
    readonly logs: (string | null)[],
  ) {
    super(
      target,
      `${describeTarget(target)} has failed migrations (${migrationNames.join(', ')}); new migrations will not be ` +
        'applied until they are resolved. Mark them rolled back (runner.markRolledBack) or applied, then run again.',
    );
  }
}
