/** Counters of `TenantCache` since boot (see `TenantCache.stats()`). */
export interface TenantCacheStats {
  /** Tenants cached now. */
  size: number;
  /** Unknown ids remembered now (kept apart from tenants, at most `max` too). */
  unknownSize: number;
  /** Most tenants kept (`cache.max`). */
  max: number;
  /** Lookups answered from the cache: a cached tenant, or a remembered unknown id. */
  hits: number;
  /** Lookups that waited for the store (alone, or sharing a lookup already under way). */
  misses: number;
  /** Store lookups started (`TenantStore.findById` calls). */
  loads: number;
}
