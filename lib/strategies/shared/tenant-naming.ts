import type { Tenant } from '../../store/tenant.interface';

/** Prefix of the default schema, database and role names. */
export const DEFAULT_TENANT_NAME_PREFIX = 'tenant_';

/**
 * The naming rule of the module, the provisioner and the CLI: `prefix` + the
 * id lower-cased, `-` turned into `_`. Injective over the ids of
 * `DEFAULT_TENANT_ID_PATTERN`; a custom pattern allowing upper case or `_`
 * makes it meet (`a-b`, `a_b`), which the registry's unique names and the
 * ownership markers then refuse.
 */
export function prefixedTenantName(prefix: string): (tenant: Tenant) => string {
  return (tenant) => `${prefix}${tenant.id.toLowerCase().replace(/-/g, '_')}`;
}

/** Default schema (and database) of a tenant: `tenant_<id>`, lower-cased, `-` turned into `_`. */
export const defaultSchemaName: (tenant: Tenant) => string = prefixedTenantName(DEFAULT_TENANT_NAME_PREFIX);
