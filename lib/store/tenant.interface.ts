/** Lifecycle status of a tenant. Only `active` tenants may be entered. */
export type TenantStatus = 'active' | 'suspended' | 'provisioning' | 'failed' | 'deleted';

/** Every status, for validation. */
export const TENANT_STATUSES: readonly TenantStatus[] = ['active', 'suspended', 'provisioning', 'failed', 'deleted'];

/** Isolation strategies this package knows. */
export type TenancyStrategyName = 'rls' | 'schema' | 'database';

/**
 * A tenant as the store returns it. Apps may add fields of their own (plan,
 * region, ...) by extending this interface; the package reads only these.
 */
export interface Tenant {
  /** The tenant id: what resolvers extract and what the RLS setting carries. */
  id: string;
  /** Only `active` tenants can be entered; others get `TenantInactiveError`. */
  status: TenantStatus;
  /** Human-readable name, for logs and admin tools. */
  name?: string;
  /** Overrides the module's default strategy for this tenant (per-tenant strategy). */
  strategy?: TenancyStrategyName;
  /** Schema strategy: the tenant's PostgreSQL schema. Default from the naming rule. */
  schemaName?: string;
  /** Database strategy: the tenant's connection string. */
  databaseUrl?: string;
  /**
   * Why the tenant's last lifecycle operation failed; `null` or absent when it
   * did not. On an `active` tenant, its last migration run failed (or could
   * not run): `PrismaTenantStore` records it, and clears it when a run
   * succeeds. With `migrations.onFailed: 'refuse'`, such a tenant gets
   * `TenantMigrationFailedError` (503).
   */
  lastError?: string | null;
}
