import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import { TenantInactiveError } from '../errors/tenant-inactive.error';
import { TenantMigrationFailedError } from '../errors/tenant-migration-failed.error';
import { TenantNotFoundError } from '../errors/tenant-not-found.error';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';
import type { Tenant } from './tenant.interface';
import type { TenantCacheStats } from './tenant-cache.stats';
import { snapshotTenant } from './tenant-snapshot';
import { lruTtlResolution } from './lru-ttl-resolution';

/**
 * Looks tenants up through the configured store, with an LRU cache and TTL in
 * front. Concurrent lookups of one id share one store call. Call
 * `invalidate(id)` after changing a tenant so the change is seen at once.
 *
 * Found tenants and misses live in two LRUs of `cache.max` entries each:
 * misses are remembered (a flood of requests for one unknown id reaches the
 * store once per TTL), but a flood of many invented ids only pushes other
 * misses out, never a real tenant. Tenants are handed out as deep-frozen
 * snapshots, the same object to every request.
 */
@Injectable()
export class TenantCache {
  private readonly hits?: LRUCache<string, Readonly<Tenant>>;
  private readonly misses?: LRUCache<string, true>;
  // Lookups under way, one per id. Bounded by the requests in flight, and kept
  // out of the LRUs so that pending unknown ids cannot evict anything either.
  private readonly loading = new Map<string, Promise<Readonly<Tenant> | undefined>>();
  // Plain increments on the lookup path, read by `stats()` (metrics).
  private readonly counters = { hits: 0, misses: 0, loads: 0 };

  constructor(@Inject(TENANCY_RESOLVED_OPTIONS) private readonly options: ResolvedTenancyOptions) {
    // ttlMs 0 means "do not cache": concurrent lookups are still merged.
    if (options.cache.ttlMs > 0) {
      const { max, ttlMs } = options.cache;
      const settings = { max, ttl: ttlMs, ttlResolution: lruTtlResolution(ttlMs) };
      this.hits = new LRUCache<string, Readonly<Tenant>>(settings);
      this.misses = new LRUCache<string, true>(settings);
    }
    // A store that reports its own writes (PrismaTenantStore) keeps this cache exact.
    const reporting = options.store as { onInvalidate?: (hook: (id: string) => void) => unknown };
    if (typeof reporting.onInvalidate === 'function') reporting.onInvalidate((id) => this.invalidate(id));
  }

  /** Throws `InvalidTenantIdError` unless `id` matches the configured pattern. */
  assertValidId(id: unknown): asserts id is string {
    if (typeof id !== 'string' || !this.options.tenantIdPattern.test(id)) throw new InvalidTenantIdError();
  }

  /**
   * The tenant with this id, validated, found and active; otherwise the fitting
   * error (`InvalidTenantIdError`, `TenantNotFoundError`, `TenantInactiveError`,
   * and with `migrations.onFailed: 'refuse'` `TenantMigrationFailedError` for
   * a tenant whose last migration failed). The tenant is frozen (see `find`).
   */
  async getActive(id: unknown): Promise<Readonly<Tenant>> {
    this.assertValidId(id);
    const tenant = await this.find(id);
    if (!tenant) throw new TenantNotFoundError(id);
    if (tenant.status !== 'active') throw new TenantInactiveError(id, tenant.status);
    // Read from the cached record: the migration state costs no query per request.
    if (tenant.lastError && this.options.migrations.onFailed === 'refuse') throw new TenantMigrationFailedError(id);
    return tenant;
  }

  /**
   * The tenant `getActive(id)` would return without waiting: cached, active
   * and not refused for a failed migration. Otherwise `undefined`, whatever
   * the reason: the caller then takes `getActive`, which gives the error.
   * For hot paths that can then skip a promise.
   */
  peekActive(id: string): Readonly<Tenant> | undefined {
    if (typeof id !== 'string' || !this.options.tenantIdPattern.test(id)) return undefined;
    const tenant = this.hits?.get(id);
    if (tenant?.status !== 'active') return undefined;
    if (tenant.lastError && this.options.migrations.onFailed === 'refuse') return undefined;
    this.counters.hits++;
    return tenant;
  }

  /**
   * The tenant with this id whatever its status, or `undefined`. The id must be
   * valid. The tenant is a deep-frozen snapshot of what the store returned:
   * writing to it throws a `TypeError`; copy it (`{ ...tenant }`) to change it.
   */
  async find(id: string): Promise<Readonly<Tenant> | undefined> {
    this.assertValidId(id);
    const hit = this.hits?.get(id);
    if (hit) {
      this.counters.hits++;
      return hit;
    }
    if (this.misses?.get(id)) {
      this.counters.hits++;
      return undefined;
    }
    this.counters.misses++;
    return this.loading.get(id) ?? this.load(id);
  }

  /**
   * Counters since boot, for metrics: `hits` (lookups answered from the cache,
   * a remembered unknown id included), `misses` (lookups that waited for the
   * store, alone or sharing a lookup under way), `loads` (store lookups
   * started), and the entries held now (`size` tenants, `unknownSize` unknown ids).
   */
  stats(): TenantCacheStats {
    return {
      size: this.hits?.size ?? 0,
      unknownSize: this.misses?.size ?? 0,
      max: this.options.cache.max,
      ...this.counters,
    };
  }

  /** Forgets one tenant, so the next lookup reads the store again. */
  invalidate(id: string): void {
    this.hits?.delete(id);
    this.misses?.delete(id);
    // A lookup under way may have read the store before the change: its
    // callers get its answer, but it is not cached, and later callers start anew.
    this.loading.delete(id);
  }

  /** Forgets every tenant. */
  clear(): void {
    this.hits?.clear();
    this.misses?.clear();
    this.loading.clear();
  }

  private load(id: string): Promise<Readonly<Tenant> | undefined> {
    this.counters.loads++;
    const pending = Promise.resolve(this.options.store.findById(id)).then((found) =>
      found ? snapshotTenant(found) : undefined,
    );
    this.loading.set(id, pending);
    // Only the lookup still registered for this id may fill the cache; a
    // failed lookup caches nothing.
    const settle = (result?: { tenant?: Readonly<Tenant> }) => {
      if (this.loading.get(id) !== pending) return;
      this.loading.delete(id);
      if (result?.tenant) this.hits?.set(id, result.tenant);
      else if (result) this.misses?.set(id, true);
    };
    pending.then(
      (tenant) => settle({ tenant }),
      () => settle(),
    );
    return pending;
  }
}
