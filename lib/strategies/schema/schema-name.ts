import { TenantMisconfiguredError } from '../../errors/tenant-misconfigured.error';
import type { Tenant } from '../../store/tenant.interface';

// Lower-case only: PostgreSQL folds unquoted names, and one spelling per schema
// keeps `tenant_acme` and `"Tenant_Acme"` from being two different schemas.
const SAFE_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED = /^(pg_|information_schema$|public$)/;

/**
 * The tenant's schema: from its record, or the naming rule. Checked as a safe
 * identifier before it reaches SQL; an unsafe or reserved name is refused with
 * `TenantMisconfiguredError` before any client is built.
 */
export function tenantSchemaName(tenant: Tenant, naming: (tenant: Tenant) => string): string {
  let name: unknown;
  try {
    name = tenant.schemaName ?? naming(tenant);
  } catch (error) {
    throw new TenantMisconfiguredError(tenant.id, `schema.naming threw: ${(error as Error).message}`);
  }
  if (typeof name === 'string' && Buffer.byteLength(name) > 63) {
    // PostgreSQL would truncate it, silently, and two long names could meet.
    throw new TenantMisconfiguredError(
      tenant.id,
      `its schema name is ${Buffer.byteLength(name)} bytes, over PostgreSQL's 63-byte identifiers`,
    );
  }
  if (typeof name !== 'string' || !SAFE_SCHEMA.test(name)) {
    throw new TenantMisconfiguredError(
      tenant.id,
      'its schema name is not a safe identifier (lower-case letters, digits and _, at most 63 characters)',
    );
  }
  if (RESERVED.test(name)) throw new TenantMisconfiguredError(tenant.id, `its schema name "${name}" is reserved`);
  return name;
}
