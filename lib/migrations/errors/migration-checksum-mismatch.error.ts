import type { MigrationTarget } from '../tenant-migration.interface';
import { describeTarget, TenantMigrationError } from './tenant-migration.error';

/**
 * Migrations applied to a target were edited afterwards: their files no
 * longer match the checksums recorded when they ran. Raised under
 * `checksumMismatch: 'error'` (the default) before anything is applied.
 */
export class MigrationChecksumMismatchError extends TenantMigrationError {
  readonly errorCode = 'MIGRATION_CHECKSUM_MISMATCH';

  constructor(
    target: MigrationTarget,
    /** Names of the edited migrations. */
    readonly migrationNames: string[],
  ) {
    super(
      target,
      `Migrations already applied to ${describeTarget(target)} were modified since: ${migrationNames.join(', ')}. ` +
        'Restore the original files and put the change in a new migration.',
    );
  }
}
