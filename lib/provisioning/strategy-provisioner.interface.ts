import type { MigrationClient, MigrationTarget } from '../migrations/tenant-migration.interface';
import type { RegistryTenant, RegistryTenantPatch } from '../registry/registry-tenant.interface';

/**
 * What provisioning does for one isolation strategy. Every step is
 * idempotent, so a provisioning that failed half-way is finished by running
 * the same steps again.
 */
export interface StrategyProvisioner {
  /**
   * Fields to record before anything is created (schema name, generated
   * database URL), so a retry or a later deprovision finds the same objects
   * even if naming rules change. Throws if the record is unusable.
   */
  prepare(tenant: RegistryTenant): RegistryTenantPatch;
  /** Creates the schema or database (if missing) and the grants needed before migrations. */
  create(tenant: RegistryTenant): Promise<void>;
  /** Where the tenant's migrations go; `null` when it has none of its own (RLS: the shared database). */
  target(tenant: RegistryTenant): MigrationTarget | null;
  /** A connection for the tenant's migrations, as the owner role. */
  connect(tenant: RegistryTenant): Promise<MigrationClient>;
  /** Grants after migrations, on the tables they created. */
  grant(tenant: RegistryTenant): Promise<void>;
  /** Drops what `create` made (if present); returns descriptions of what it targeted. */
  drop(tenant: RegistryTenant, options?: { deleteRows?: boolean }): Promise<string[]>;
}
