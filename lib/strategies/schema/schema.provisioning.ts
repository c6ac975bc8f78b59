import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { defaultSchemaName } from '../shared/tenant-naming';
import type { StrategyProvisioning } from '../strategy-definition.interface';
import type { SchemaProvisioningOptions } from './schema.options';
import { SchemaStrategyProvisioner } from './schema.provisioner';

/** Schema provisioning: the owner creates each schema and grants it to the app role. */
export const schemaProvisioning: StrategyProvisioning<SchemaProvisioningOptions> = {
  validate: (_given, common, isDefault) => {
    // Up front only for the default strategy; a schema tenant of another default is refused when granted.
    if (isDefault && !common.appRole) {
      throw new TenancyConfigError('appRole', 'the schema strategy needs the app role to grant tenant schemas to');
    }
  },
  create: (given, common) =>
    new SchemaStrategyProvisioner(
      common.owner,
      common.appRole,
      given?.naming ?? defaultSchemaName,
      common.store.schema,
    ),
};
