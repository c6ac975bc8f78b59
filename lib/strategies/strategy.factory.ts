import type { TenantContext } from '../context/tenant-context.service';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import type { TenancyStrategyName } from '../store/tenant.interface';
import { strategyDefinition } from './strategy.registry';
import type { TenancyStrategy, TenancyStrategyCommon } from './tenancy-strategy.interface';
import { TenancyStrategyRouter } from './tenancy-strategy.router';

/** Builds and initialises every enabled strategy behind a router that picks one per tenant. */
export async function createTenancyStrategy<TClient>(
  options: ResolvedTenancyOptions<TClient>,
  context: TenantContext,
): Promise<TenancyStrategyRouter<TClient>> {
  const common: TenancyStrategyCommon<TClient> = {
    databaseUrl: options.databaseUrl,
    createClient: options.createClient,
    tenantField: options.tenantField,
    tenantSetting: options.tenantSetting,
    sharedModels: options.sharedModels,
    pool: options.pool,
    sharedPool: options.sharedPool,
    clientPool: options.clientPool,
    strategies: options.strategies,
    context,
  };
  const strategies = new Map<TenancyStrategyName, TenancyStrategy<TClient>>();
  // In the order the app listed them: the order they initialise in.
  for (const name of options.strategies) {
    strategies.set(name, strategyDefinition(name).createStrategy<TClient>(options[name], common));
  }
  const router = new TenancyStrategyRouter(strategies.get(options.strategy)!, strategies);
  try {
    await router.init();
  } catch (error) {
    await router.dispose().catch(() => undefined);
    throw error;
  }
  return router;
}
