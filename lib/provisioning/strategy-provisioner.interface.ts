import type {
  MigrationClient,
  MigrationTarget,
  TenantMigration,
  TenantMigrationResult,
} from '../migrations/tenant-migration.interface';
import type { RegistryTenant, RegistryTenantPatch } from '../registry/registry-tenant.interface';
import type { TenantResource } from '../registry/tenant-resource-taken.error';

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
  /**
   * Read-only, before a new tenant is registered: throws
   * `TenantResourceNotOwnedError` when its schema, database or role already
   * exists without this tenant's ownership marker. Default: nothing to check (RLS).
   */
  check?(tenant: RegistryTenant): Promise<void>;
  /**
   * Creates the schema or database (if missing), marked as the tenant's, and
   * the grants needed before migrations. An existing one is used only when it
   * carries the tenant's marker (a retry); otherwise `TenantResourceNotOwnedError`,
   * with nothing changed.
   */
  create(tenant: RegistryTenant): Promise<void>;
  /** Where the tenant's migrations go; `null` when it has none of its own (RLS: the shared database). */
  target(tenant: RegistryTenant): MigrationTarget | null;
  /** A connection for the tenant's migrations, as the owner role. */
  connect(tenant: RegistryTenant): Promise<MigrationClient>;
  /** Grants after migrations, on the tables they created. */
  grant(tenant: RegistryTenant): Promise<void>;
  /**
   * Drops what `create` made (if present, and only if it carries the tenant's
   * marker: `TenantResourceNotOwnedError` otherwise, nothing dropped); returns
   * descriptions of what it targeted.
   */
  drop(tenant: RegistryTenant, options?: { deleteRows?: boolean }): Promise<string[]>;
  /**
   * Marks the tenant's existing, unmarked schema or database (and own role) as
   * the tenant's: the upgrade path from releases that wrote no markers.
   * Refuses objects marked for another tenant; returns what it marked.
   * Default: not supported (RLS tenants own no objects).
   */
  claim?(tenant: RegistryTenant): Promise<string[]>;
  /**
   * The schema or database the record names, for `TenantResourceTakenError`
   * when another record names it too. Default: none (RLS tenants name neither).
   */
  resource?(tenant: RegistryTenant): { kind: TenantResource; name: string };
  /**
   * Migrates the shared database this strategy's tenants live in
   * (`TenantProvisioner.migrateShared()`). Default: none (its tenants are
   * migrated one by one). One registered strategy provides it: RLS.
   */
  migrateShared?(runnerOptions: {
    migrations: readonly TenantMigration[];
    lockTimeoutMs: number;
    checksumMismatch?: 'error' | 'warn';
  }): Promise<TenantMigrationResult>;
}
