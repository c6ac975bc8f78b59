import type { Tenant, TenantStatus } from './tenant.interface';

/** Filter of `TenantStore.list()`. */
export interface TenantListOptions {
  /** Only tenants in this status (or these). Default: every status. */
  status?: TenantStatus | readonly TenantStatus[];
}

/**
 * Where tenants come from. Implement it over your own registry (a table, an
 * API, a config file) and pass it as `store` in the module options.
 *
 * The package caches lookups (see `cache` options), so `findById` may be slow.
 */
export interface TenantStore<T extends Tenant = Tenant> {
  /** The tenant with this id, or `null`/`undefined` when there is none. */
  findById(id: string): Promise<T | null | undefined>;
  /**
   * Every tenant (optionally of some statuses). Optional: only what runs
   * over all tenants needs it (`TenantRunner.forEachTenant`). Both stores of
   * the package have it.
   */
  list?(options?: TenantListOptions): Promise<T[]>;
}

/** Injection token of the store the module uses, as configured: uncached (inject `TenantCache` for cached, frozen tenants). */
export const TenantStore = Symbol('TENANCY:TenantStore');
