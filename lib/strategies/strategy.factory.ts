import type { TenantContext } from '../context/tenant-context.service';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { RlsTenancyStrategy } from './rls/rls.strategy';
import type { TenancyStrategy } from './tenancy-strategy.interface';

/** Builds and initialises the strategy the options name. The only place that looks at the name. */
export async function createTenancyStrategy<TClient>(
  options: ResolvedTenancyOptions<TClient>,
  context: TenantContext,
): Promise<TenancyStrategy<TClient>> {
  // The validator already refused strategies this version does not implement.
  const strategy = new RlsTenancyStrategy<TClient>(options, context);
  await strategy.init();
  return strategy;
}
