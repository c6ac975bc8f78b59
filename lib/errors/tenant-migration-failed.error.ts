import { TenantUnavailableError } from './tenant-unavailable.error';

/**
 * The tenant's last migration run failed, and the module is set to refuse
 * such tenants (`migrations.onFailed: 'refuse'`): it is still on its previous
 * schema version while the app expects the new one. Answered with 503, like
 * every `TenantUnavailableError`, until a migration run succeeds (which clears
 * the record's `lastError`). Other tenants are not affected.
 */
export class TenantMigrationFailedError extends TenantUnavailableError {
  override readonly errorCode = 'TENANT_MIGRATION_FAILED';

  constructor(tenantId: string) {
    super(
      tenantId,
      'its last migration failed; it is served again once a migration run succeeds',
      'TENANT_MIGRATION_FAILED',
    );
  }
}
