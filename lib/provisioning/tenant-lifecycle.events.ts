import type { RegistryTenant } from '../registry/registry-tenant.interface';
import type { TenancyStrategyName } from '../store/tenant.interface';

/** The operations of `TenantProvisioner`, as named in `failed` events. */
export type TenantLifecycleOperation = 'provision' | 'migrate' | 'suspend' | 'activate' | 'deprovision' | 'claim';

/** Events of `TenantProvisioner` and their payloads. */
export interface TenantLifecycleEvents {
  /** The tenant is ready and `active`. */
  provisioned: { tenant: RegistryTenant; applied: string[]; durationMs: number };
  /** Migrations ran for one tenant without error (`applied` is empty when it was up to date). */
  migrated: { tenantId: string; applied: string[]; warnings: string[]; durationMs: number };
  suspended: { tenant: RegistryTenant };
  activated: { tenant: RegistryTenant };
  /** The tenant's schema or database was dropped and its record marked `deleted`. */
  deleted: { tenantId: string; strategy: TenancyStrategyName; dropped: string[] };
  /** `claim()` marked the tenant's existing objects as its (`marked` is empty when they already were). */
  claimed: { tenantId: string; marked: string[] };
  /** An operation failed for one tenant; the error is also thrown (or reported, in `migrateAll`). */
  failed: { tenantId: string; operation: TenantLifecycleOperation; error: Error };
}

/** Name of a lifecycle event. */
export type TenantLifecycleEvent = keyof TenantLifecycleEvents;

type Listener<K extends TenantLifecycleEvent> = (payload: TenantLifecycleEvents[K]) => unknown;

/**
 * A typed, EventEmitter-like `on` / `once` / `off`. Unlike Node's emitter, a
 * throwing (or rejecting) listener neither stops the other listeners nor the
 * operation that emitted: lifecycle work that has committed is not undone
 * because a metrics hook failed.
 */
export class TenantLifecycleEmitter {
  private readonly listeners = new Map<TenantLifecycleEvent, Set<Listener<never>>>();

  /** Calls `listener` on every `event`. */
  on<K extends TenantLifecycleEvent>(event: K, listener: Listener<K>): this {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(event, set);
    return this;
  }

  /** Calls `listener` on the next `event` only. */
  once<K extends TenantLifecycleEvent>(event: K, listener: Listener<K>): this {
    const wrapped: Listener<K> = (payload) => {
      this.off(event, wrapped);
      return listener(payload);
    };
    return this.on(event, wrapped);
  }

  /** Removes a listener added with `on`. */
  off<K extends TenantLifecycleEvent>(event: K, listener: Listener<K>): this {
    this.listeners.get(event)?.delete(listener as Listener<never>);
    return this;
  }

  protected emit<K extends TenantLifecycleEvent>(event: K, payload: TenantLifecycleEvents[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])] as Listener<K>[]) {
      try {
        const result = listener(payload);
        if (result instanceof Promise) result.catch(() => undefined);
      } catch {
        // See the class comment: listeners cannot fail the operation.
      }
    }
  }
}
