import type { TenancyStrategyDefinition } from '../strategy-definition.interface';
import type { DatabaseProvisioningOptions } from './database-provisioning.options';
import { type ResolvedDatabaseOptions, resolveDatabaseOptions } from './database.options';
import { DatabaseTenancyStrategy } from './database.strategy';

/** A database per tenant, on any server, each with its own pg pool under one connection budget. */
export const databaseStrategy: TenancyStrategyDefinition<
  'database',
  ResolvedDatabaseOptions,
  DatabaseProvisioningOptions
> = {
  name: 'database',
  resolveOptions: resolveDatabaseOptions,
  createStrategy: (options, common) => new DatabaseTenancyStrategy(options, common),
  provisioning: () =>
    // Required on first use, so the app's runtime import graph holds no provisioning code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./database.provisioning') as typeof import('./database.provisioning')).databaseProvisioning,
  // Without it the tenant would be registered first and only then fail, left behind as `failed`.
  cli: { requiredSettings: ['adminUrl'], describe: () => 'own database' },
};
