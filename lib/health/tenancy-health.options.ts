/** Options of `TenancyHealthIndicator.checkDatabase`. */
export interface DatabaseCheckOptions {
  /** Key of the result in the health body. Default: `'tenancy_database'`. */
  key?: string;
  /** Down when connecting and `SELECT 1` take longer (ms). Default: `2000`. */
  timeoutMs?: number;
}

/** Options of `TenancyHealthIndicator.checkRegistryListener`. */
export interface RegistryListenerCheckOptions {
  /** Key of the result in the health body. Default: `'tenancy_registry_listener'`. */
  key?: string;
}

/** Options of `TenancyHealthIndicator.checkPool`. */
export interface PoolCheckOptions {
  /** Key of the result in the health body. Default: `'tenancy_pool'`. */
  key?: string;
  /**
   * Down when more checkouts than this wait for a connection of a shared pool,
   * or for a slot of the database strategy's connection budget. Default: `0`
   * (down while anything waits: every connection is busy).
   */
  maxWaiting?: number;
}

/** Options of `TenancyHealthIndicator.checkTenant`. */
export interface TenantCheckOptions {
  /** Key of the result in the health body. Default: `'tenancy_tenant_<id>'` (`'tenancy_tenant'` for a malformed id). */
  key?: string;
  /**
   * Down when the tenant's `SELECT 1` takes longer (ms). Default: `2000`. The
   * database strategy gives up on its own after `database.connectTimeoutMs`
   * (unreachable) or `database.budgetWaitMs` (budget full).
   */
  timeoutMs?: number;
}
