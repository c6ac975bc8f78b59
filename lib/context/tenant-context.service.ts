import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { MissingTenantError } from '../errors/missing-tenant.error';
import { TenantCache } from '../store/tenant-cache.service';
import type { Tenant } from '../store/tenant.interface';
import { CLS_TENANT } from '../tenancy.internal-constants';

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

  /** The current tenant. Throws `MissingTenantError` when there is none. */
  get tenant(): Tenant {
    const tenant = this.cls.isActive() ? this.cls.get<Tenant | undefined>(CLS_TENANT) : undefined;
    if (!tenant) throw new MissingTenantError();
    return tenant;
  }

  /** Whether a tenant is set in the current context. */
  hasTenant(): boolean {
    return this.cls.isActive() && this.cls.get(CLS_TENANT) !== undefined;
  }

  /** The current tenant, or `undefined`: for code that must not throw. */
  current(): Tenant | undefined {
    return this.cls.isActive() ? this.cls.get<Tenant | undefined>(CLS_TENANT) : undefined;
  }

  /**
   * Runs `fn` as tenant `tenantId`: for cron jobs, queue consumers and scripts.
   * The tenant is looked up and must be active (else `InvalidTenantIdError`,
   * `TenantNotFoundError` or `TenantInactiveError`, and `fn` does not run).
   * Nested calls restore the outer tenant when they return.
   */
  async run<T>(tenantId: string, fn: () => T | Promise<T>): Promise<T> {
    const tenant = await this.tenants.getActive(tenantId);
    return this.cls.run({ ifNested: 'inherit' }, async () => {
      this.cls.set(CLS_TENANT, tenant);
      return fn();
    });
  }

  /**
   * Sets the tenant in the active context; `TenantGuard` calls it once the
   * request has a context of its own (see guards/request-context.ts).
   * @internal
   */
  enter(tenant: Tenant): void {
    this.cls.set(CLS_TENANT, tenant);
  }
}
