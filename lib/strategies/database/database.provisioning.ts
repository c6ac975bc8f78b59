import { defaultSchemaName } from '../shared/tenant-naming';
import type { StrategyProvisioning } from '../strategy-definition.interface';
import { type DatabaseProvisioningOptions, validateDatabaseProvisioning } from './database-provisioning.options';
import { DatabaseStrategyProvisioner } from './database.provisioner';

/** Database provisioning: an admin role creates each database (and role) on the tenants' server. */
export const databaseProvisioning: StrategyProvisioning<DatabaseProvisioningOptions> = {
  validate: (given, common) => validateDatabaseProvisioning(given, common),
  // Without the admin URL no database can be created: database tenants are refused.
  create: (given, common) =>
    given && new DatabaseStrategyProvisioner(common.store, common.ownerUrl, given, given.naming ?? defaultSchemaName),
};
