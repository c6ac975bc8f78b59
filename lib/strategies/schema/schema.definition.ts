import type { TenancyStrategyDefinition } from '../strategy-definition.interface';
import { type ResolvedSchemaOptions, type SchemaProvisioningOptions, resolveSchemaOptions } from './schema.options';
import { SchemaTenancyStrategy } from './schema.strategy';

/** A PostgreSQL schema per tenant in the shared database, on one shared pg pool. */
export const schemaStrategy: TenancyStrategyDefinition<'schema', ResolvedSchemaOptions, SchemaProvisioningOptions> = {
  name: 'schema',
  resolveOptions: (given) => resolveSchemaOptions(given as Parameters<typeof resolveSchemaOptions>[0]),
  createStrategy: (options, common) => new SchemaTenancyStrategy(options, common),
  // Required on first use, so the app's runtime import graph holds no provisioning code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  provisioning: () => (require('./schema.provisioning') as typeof import('./schema.provisioning')).schemaProvisioning,
  cli: { describe: (tenant) => `schema ${tenant.schemaName}` },
};
