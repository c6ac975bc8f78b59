import type { MigrationTarget } from '../tenant-migration.interface';
import { TenantMigrationError } from './tenant-migration.error';

/**
 * A target's schema name is not a plain identifier. Raised before any SQL is
 * sent; the name is not echoed back, since it may be an injection attempt.
 */
export class InvalidSchemaNameError extends TenantMigrationError {
  readonly errorCode = 'SCHEMA_NAME_INVALID';

  constructor(target: MigrationTarget) {
    super(
      { tenantId: target.tenantId },
      `The schema name of ${target.tenantId ? `tenant "${target.tenantId}"` : 'a migration target'} is invalid: ` +
        'use 1-63 letters, digits, _ or $, not starting with a digit, $ or pg_.',
    );
  }
}
