import type { Tenant } from './tenant.interface';
import type { TenantStore } from './tenant-store.interface';

/**
 * A tenant store over a fixed list given in code: for tests, examples, and apps
 * with a handful of tenants known at deploy time. `set` and `delete` allow
 * changes at run time (call `TenantCache.invalidate(id)` afterwards).
 */
export class InMemoryTenantStore<T extends Tenant = Tenant> implements TenantStore<T> {
  private readonly tenants = new Map<string, T>();

  constructor(tenants: Iterable<T> = []) {
    for (const tenant of tenants) this.tenants.set(tenant.id, { ...tenant });
  }

  async findById(id: string): Promise<T | null> {
    const tenant = this.tenants.get(id);
    return tenant ? { ...tenant } : null;
  }

  /** Adds or replaces a tenant. */
  set(tenant: T): void {
    this.tenants.set(tenant.id, { ...tenant });
  }

  /** Removes a tenant; returns whether it existed. */
  delete(id: string): boolean {
    return this.tenants.delete(id);
  }

  /** Every tenant, in insertion order. */
  all(): T[] {
    return [...this.tenants.values()].map((t) => ({ ...t }));
  }
}
