import type { Tenant } from './tenant.interface';

/**
 * Where tenants come from. Implement it over your own registry (a table, an
 * API, a config file) and pass it as `store` in the module options.
 *
 * The package caches lookups (see `cache` options), so `findById` may be slow.
 */
export interface TenantStore<T extends Tenant = Tenant> {
  /** The tenant with this id, or `null`/`undefined` when there is none. */
  findById(id: string): Promise<T | null | undefined>;
}

/** Injection token of the store the module uses, as configured: uncached (inject `TenantCache` for cached, frozen tenants). */
export const TenantStore = Symbol('TENANCY:TenantStore');
