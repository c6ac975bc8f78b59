import type { MigrationTarget } from '../tenant-migration.interface';
import { describeTarget, TenantMigrationError } from './tenant-migration.error';

/** Another process kept migrating the same target for longer than `lockTimeoutMs`. */
export class MigrationLockTimeoutError extends TenantMigrationError {
  readonly errorCode = 'MIGRATION_LOCK_TIMEOUT';

  constructor(target: MigrationTarget, timeoutMs: number) {
    super(
      target,
      `Timed out after ${timeoutMs} ms waiting for another process migrating ${describeTarget(target)}. ` +
        'Wait for it to finish, or raise lockTimeoutMs.',
    );
  }
}
