import { Inject, Injectable } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context.service';
import type { TenancyStrategy } from '../strategies/tenancy-strategy.interface';
import { TENANCY_STRATEGY } from '../tenancy.internal-constants';

/**
 * Hands out the current tenant's Prisma client, typed as your own generated
 * client: inject `TenantPrisma<PrismaClient>` and use `.client`.
 *
 * A singleton: `client` is resolved on each read from the tenant in CLS, so
 * read it where you query (do not keep it in a field across requests).
 */
@Injectable()
export class TenantPrisma<TClient = unknown> {
  constructor(
    private readonly context: TenantContext,
    @Inject(TENANCY_STRATEGY) private readonly strategy: TenancyStrategy<TClient>,
  ) {}

  /** The current tenant's client. Throws `MissingTenantError` when no tenant is set. */
  get client(): TClient {
    return this.strategy.clientFor(this.context.tenant);
  }

  /**
   * A client for shared models (listed in `sharedModels`), usable without a
   * tenant, for example on a sign-up route. Tenant-scoped models and raw SQL
   * still throw `MissingTenantError` through it when no tenant is set.
   */
  get shared(): TClient {
    return this.strategy.sharedClient();
  }
}
