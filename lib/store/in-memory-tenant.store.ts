import type { Tenant } from './tenant.interface';
import type { TenantListOptions, TenantStore } from './tenant-store.interface';
import { snapshotTenant } from './tenant-snapshot';

/**
 * A tenant store over a fixed list given in code: for tests, examples, and apps
 * with a handful of tenants known at deploy time. `set` and `delete` allow
 * changes at run time (call `TenantCache.invalidate(id)` afterwards).
 *
 * It keeps deep-frozen snapshots of what it is given, and hands those out:
 * changing an object after `set` changes nothing here, and writing to a
 * returned tenant throws (spread it into a new object to change it, then `set`).
 */
export class InMemoryTenantStore<T extends Tenant = Tenant> implements TenantStore<T> {
  private readonly tenants = new Map<string, Readonly<T>>();

  constructor(tenants: Iterable<T> = []) {
    for (const tenant of tenants) this.tenants.set(tenant.id, snapshotTenant(tenant));
  }

  async findById(id: string): Promise<Readonly<T> | null> {
    return this.tenants.get(id) ?? null;
  }

  /** Adds or replaces a tenant. */
  set(tenant: T): void {
    this.tenants.set(tenant.id, snapshotTenant(tenant));
  }

  /** Removes a tenant; returns whether it existed. */
  delete(id: string): boolean {
    return this.tenants.delete(id);
  }

  /** Every tenant, in insertion order. */
  all(): Readonly<T>[] {
    return [...this.tenants.values()];
  }

  /** The tenants (of the given statuses), in insertion order. */
  async list(options: TenantListOptions = {}): Promise<Readonly<T>[]> {
    if (options.status === undefined) return this.all();
    const statuses: readonly string[] = typeof options.status === 'string' ? [options.status] : options.status;
    return this.all().filter((tenant) => statuses.includes(tenant.status));
  }
}
