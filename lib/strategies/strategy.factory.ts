import type { TenantContext } from '../context/tenant-context.service';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import type { TenancyStrategyName } from '../store/tenant.interface';
import { DatabaseTenancyStrategy } from './database/database.strategy';
import { RlsTenancyStrategy } from './rls/rls.strategy';
import { SchemaTenancyStrategy } from './schema/schema.strategy';
import type { TenancyStrategy } from './tenancy-strategy.interface';
import { TenancyStrategyRouter } from './tenancy-strategy.router';

type StrategyClass = new <TClient>(
  options: ResolvedTenancyOptions<TClient>,
  context: TenantContext,
) => TenancyStrategy<TClient>;

// The only place that maps a strategy name to its class. The validator
// already refused names this version does not implement.
const STRATEGY_CLASSES: Partial<Record<TenancyStrategyName, StrategyClass>> = {
  rls: RlsTenancyStrategy,
  schema: SchemaTenancyStrategy,
  database: DatabaseTenancyStrategy,
};

/** Builds and initialises every enabled strategy behind a router that picks one per tenant. */
export async function createTenancyStrategy<TClient>(
  options: ResolvedTenancyOptions<TClient>,
  context: TenantContext,
): Promise<TenancyStrategyRouter<TClient>> {
  const strategies = new Map<TenancyStrategyName, TenancyStrategy<TClient>>();
  for (const name of options.strategies) strategies.set(name, new STRATEGY_CLASSES[name]!<TClient>(options, context));
  const router = new TenancyStrategyRouter(strategies.get(options.strategy)!, strategies);
  try {
    await router.init();
  } catch (error) {
    await router.dispose().catch(() => undefined);
    throw error;
  }
  return router;
}
