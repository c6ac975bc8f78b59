import type { TenancyStrategyDefinition } from '../strategy-definition.interface';
import { type ResolvedRlsOptions, type RlsProvisioningOptions, resolveRlsOptions } from './rls.options';
import { RlsTenancyStrategy } from './rls.strategy';

/** Row-level security: every tenant in the shared tables, scoped by the policies. */
export const rlsStrategy: TenancyStrategyDefinition<'rls', ResolvedRlsOptions, RlsProvisioningOptions> = {
  name: 'rls',
  resolveOptions: (given) => resolveRlsOptions(given as Parameters<typeof resolveRlsOptions>[0]),
  createStrategy: (options, common) => new RlsTenancyStrategy(options, common),
  // Required on first use, so the app's runtime import graph holds no provisioning code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  provisioning: () => (require('./rls.provisioning') as typeof import('./rls.provisioning')).rlsProvisioning,
  cli: { describe: () => 'rls, shared tables' },
};
