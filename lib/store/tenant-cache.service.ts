import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import { TenantInactiveError } from '../errors/tenant-inactive.error';
import { TenantNotFoundError } from '../errors/tenant-not-found.error';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';
import type { Tenant } from './tenant.interface';

// lru-cache cannot store null; a miss is remembered as this marker so that a
// flood of requests for an unknown id does not hammer the store.
const MISSING = Symbol('missing');

/**
 * Looks tenants up through the configured store, with an LRU cache and TTL in
 * front. Concurrent lookups of one id share one store call. Call
 * `invalidate(id)` after changing a tenant so the change is seen at once.
 */
@Injectable()
export class TenantCache {
  private readonly cache: LRUCache<string, Tenant | typeof MISSING>;

  constructor(@Inject(TENANCY_RESOLVED_OPTIONS) private readonly options: ResolvedTenancyOptions) {
    this.cache = new LRUCache<string, Tenant | typeof MISSING>({
      max: options.cache.max,
      // ttlMs 0 means "do not cache": a 1 ms TTL still merges concurrent lookups.
      ttl: Math.max(options.cache.ttlMs, 1),
      fetchMethod: async (id) => (await options.store.findById(id)) ?? MISSING,
    });
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
   * error (`InvalidTenantIdError`, `TenantNotFoundError`, `TenantInactiveError`).
   */
  async getActive(id: unknown): Promise<Tenant> {
    this.assertValidId(id);
    const tenant = await this.find(id);
    if (!tenant) throw new TenantNotFoundError(id);
    if (tenant.status !== 'active') throw new TenantInactiveError(id, tenant.status);
    return tenant;
  }

  /** The tenant with this id whatever its status, or `undefined`. The id must be valid. */
  async find(id: string): Promise<Tenant | undefined> {
    this.assertValidId(id);
    const found = await this.cache.fetch(id);
    return found === MISSING || found === undefined ? undefined : found;
  }

  /** Forgets one tenant, so the next lookup reads the store again. */
  invalidate(id: string): void {
    this.cache.delete(id);
  }

  /** Forgets every tenant. */
  clear(): void {
    this.cache.clear();
  }
}
