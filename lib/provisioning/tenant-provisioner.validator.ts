import { TenancyConfigError } from '../errors/tenancy-config.error';
import { isPlainIdentifier } from '../registry/registry.constants';
import { isTenancyStrategyName, strategyNamesText, TENANCY_STRATEGIES } from '../strategies/strategy.registry';
import type { TenantProvisionerOptions } from './tenant-provisioner.interface';

/** Strategy of tenants provisioned without one, when `defaultStrategy` is not given. */
export const DEFAULT_PROVISIONING_STRATEGY = 'schema';

/**
 * Checks `TenantProvisionerOptions` at construction, naming the field at
 * fault: the common options here, each strategy's by its definition.
 */
export function validateProvisionerOptions(options: TenantProvisionerOptions): void {
  if (!options?.store) throw new TenancyConfigError('store', 'a PrismaTenantStore is required');
  if (!Array.isArray(options.migrations))
    throw new TenancyConfigError('migrations', 'expected the list readMigrationsFolder() returns');
  if (typeof options.ownerUrl !== 'string' || !options.ownerUrl)
    throw new TenancyConfigError('ownerUrl', 'expected a connection string');
  if (options.appRole !== undefined && !isPlainIdentifier(options.appRole)) {
    throw new TenancyConfigError('appRole', 'expected a plain SQL identifier');
  }
  const strategy = options.defaultStrategy ?? DEFAULT_PROVISIONING_STRATEGY;
  if (!isTenancyStrategyName(strategy))
    throw new TenancyConfigError('defaultStrategy', `expected ${strategyNamesText()}`);
  const common = { store: options.store, appRole: options.appRole };
  for (const definition of TENANCY_STRATEGIES)
    definition.provisioning().validate?.(options[definition.name], common, definition.name === strategy);
}
