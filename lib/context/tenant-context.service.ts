import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { MissingTenantError } from '../errors/missing-tenant.error';
import { TenantCache } from '../store/tenant-cache.service';
import type { Tenant } from '../store/tenant.interface';
import { snapshotTenant } from '../store/tenant-snapshot';
import { CLS_TENANT } from '../tenancy.internal-constants';
import { setTenantOnActiveSpan } from '../tracing/tenant-span';

/**
 * The current tenant, kept in CLS (nestjs-cls) so it follows a request or a
 * `run()` callback through every async hop without request-scoped providers.
 */
@Injectable()
export class TenantContext {
  constructor(
    private readonly cls: ClsService,
    private readonly tenants: TenantCache,
  ) {}

  /** The current tenant's id. Throws `MissingTenantError` when there is none. */
  get tenantId(): string {
    return this.tenant.id;
  }

  /**
   * The current tenant, deep-frozen: the same object is shared by every request
   * of this tenant, so it cannot be changed (copy it to). Throws
   * `MissingTenantError` when there is none.
   */
  get tenant(): Readonly<Tenant> {
    const tenant = this.current();
    if (!tenant) throw new MissingTenantError();
    return tenant;
  }

  /** Whether a tenant is set in the current context. */
  hasTenant(): boolean {
    return this.cls.isActive() && this.cls.get(CLS_TENANT) !== undefined;
  }

  /** The current tenant (deep-frozen), or `undefined`: for code that must not throw. */
  current(): Readonly<Tenant> | undefined {
    return this.cls.isActive() ? this.cls.get<Readonly<Tenant> | undefined>(CLS_TENANT) : undefined;
  }

  /**
   * Runs `fn` as tenant `tenantId`: for cron jobs, queue consumers and scripts.
   * The tenant is looked up and must be active (else `InvalidTenantIdError`,
   * `TenantNotFoundError` or `TenantInactiveError`, and `fn` does not run).
   * Nested calls restore the outer tenant when they return.
   */
  run<T>(tenantId: string, fn: () => T | Promise<T>): Promise<T> {
    // A cached active tenant enters at once: no await, no async wrapper (a
    // job or message handler may enter a tenant for every unit of work).
    const cached = this.tenants.peekActive(tenantId);
    if (cached) return this.runAs(cached, fn);
    return this.tenants.getActive(tenantId).then((tenant) => this.runAs(tenant, fn));
  }

  /** `fn` in a new CLS context: a copy of the active one (its values stay visible) with `tenant` set. */
  private runAs<T>(tenant: Readonly<Tenant>, fn: () => T | Promise<T>): Promise<T> {
    const outer = this.cls.isActive() ? this.cls.get() : undefined;
    const store = { ...outer, [CLS_TENANT]: tenant };
    // Promise.resolve inside the context: a thenable `fn` returns (a lazy
    // PrismaPromise) is started by it, and must start as this tenant.
    return this.cls.runWith(store, () => {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error as Error);
      }
    });
  }

  /**
   * Sets the tenant in the active context; `TenantGuard` calls it once the
   * request has a context of its own (see guards/request-context.ts). A tenant
   * that is not a snapshot yet (from a `getTenant` override) is frozen first,
   * so the strategies never read fields a handler could still change.
   * @internal
   */
  enter(tenant: Tenant): void {
    this.cls.set(CLS_TENANT, snapshotTenant(tenant));
    // The request's span (OpenTelemetry, when installed) gets `tenant.id`.
    setTenantOnActiveSpan(tenant.id);
  }
}
