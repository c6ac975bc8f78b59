import { TenantMisconfiguredError } from '../errors/tenant-misconfigured.error';
import type { Tenant, TenancyStrategyName } from '../store/tenant.interface';
import type { TenancyStrategy } from './tenancy-strategy.interface';

/**
 * Serves each tenant with the strategy its record names (`tenant.strategy`),
 * or the module default: most tenants can share the RLS database while a
 * large one gets its own schema or database, in one app.
 */
export class TenancyStrategyRouter<TClient> implements TenancyStrategy<TClient> {
  readonly name: TenancyStrategyName;

  constructor(
    private readonly defaultStrategy: TenancyStrategy<TClient>,
    private readonly strategies: ReadonlyMap<TenancyStrategyName, TenancyStrategy<TClient>>,
  ) {
    this.name = defaultStrategy.name;
  }

  async init(): Promise<void> {
    for (const strategy of this.strategies.values()) await strategy.init();
  }

  clientFor(tenant: Tenant): TClient {
    return this.strategyFor(tenant).clientFor(tenant);
  }

  /** The strategy serving `tenant`. Throws `TenantMisconfiguredError` for one the app did not enable. */
  strategyFor(tenant: Tenant): TenancyStrategy<TClient> {
    if (tenant.strategy === undefined) return this.defaultStrategy;
    const strategy = this.strategies.get(tenant.strategy);
    if (!strategy)
      throw new TenantMisconfiguredError(
        tenant.id,
        `its strategy '${tenant.strategy}' is not listed in the module's \`strategies\` option`,
      );
    return strategy;
  }

  /** Shared models live where the default strategy keeps them. */
  sharedClient(): TClient {
    return this.defaultStrategy.sharedClient();
  }

  get(name: TenancyStrategyName): TenancyStrategy<TClient> | undefined {
    return this.strategies.get(name);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.strategies.values()].map((s) => s.dispose()));
  }
}
