import type { Tenant } from '../../store/tenant.interface';
import { failOption as fail } from '../shared/option-checks';
import { defaultSchemaName } from '../shared/tenant-naming';

/** Schema strategy settings. */
export interface SchemaStrategyOptions {
  /**
   * Schema of a tenant whose record has no `schemaName`. Must give a safe
   * identifier (lower-case letters, digits, `_`; at most 63 characters).
   * Default: `tenant_<id>`, with `-` turned into `_` and lower-cased.
   */
  naming?: (tenant: Tenant) => string;
}

/** The schema slice once validated. */
export interface ResolvedSchemaOptions {
  naming: (tenant: Tenant) => string;
}

/** Validates `schema` and fills in its default naming. */
export function resolveSchemaOptions(given: SchemaStrategyOptions | undefined): ResolvedSchemaOptions {
  const naming = given?.naming ?? defaultSchemaName;
  if (typeof naming !== 'function') fail('schema.naming', 'expected a function (tenant) => schema name');
  return { naming };
}

/** Schema strategy provisioning (`TenantProvisionerOptions.schema`). */
export interface SchemaProvisioningOptions {
  /** Schema name of a tenant; keep it equal to the module's `schema.naming`. Default: `tenant_<id>`. */
  naming?: (tenant: Tenant) => string;
}
