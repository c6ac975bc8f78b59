import type { RegistryTenant } from '../registry/registry-tenant.interface';
import type { TenancyStrategyName, TenantStatus } from '../store/tenant.interface';
import { TenantLifecycleError } from './tenant-lifecycle.error';
import type { TenantLifecycleOperation } from './tenant-lifecycle.events';
import type { ProvisionTenantInput } from './tenant-provisioner.interface';

/** Refuses an operation the tenant's status does not allow. */
export function expectStatus(
  tenant: RegistryTenant,
  operation: TenantLifecycleOperation,
  allowed: readonly TenantStatus[],
  why: string,
): void {
  if (allowed.includes(tenant.status)) return;
  throw new TenantLifecycleError(tenant.id, operation, 'status', `it is ${tenant.status}; ${why}`, tenant.status);
}

/**
 * A retry takes the recorded strategy, schema and URL: silently provisioning
 * something other than what was asked would be worse than refusing, and
 * switching would orphan what the first attempt created.
 */
export function expectInputMatches(
  tenant: RegistryTenant,
  input: ProvisionTenantInput,
  recordedUrl: string | undefined,
): void {
  const differs = <T>(given: T | undefined, recorded: T | undefined) =>
    given !== undefined && recorded !== undefined && given !== recorded;
  const field = differs(input.strategy, tenant.strategy)
    ? 'strategy'
    : differs(input.schemaName, tenant.schemaName)
      ? 'schemaName'
      : differs(input.databaseUrl, recordedUrl)
        ? 'databaseUrl'
        : undefined;
  if (field) {
    throw new TenantLifecycleError(
      tenant.id,
      'provision',
      'mismatch',
      `its record has another ${field}; update the record first`,
      tenant.status,
    );
  }
}

/**
 * Input fields the record lacks (it was made by `store.create()`, or by a
 * call that gave less); the strategy is always recorded, so a later change of
 * the default strategy never moves an existing tenant.
 */
export function missingFields(
  tenant: RegistryTenant,
  input: ProvisionTenantInput,
  defaultStrategy: TenancyStrategyName,
): Partial<ProvisionTenantInput> {
  const fields: Partial<ProvisionTenantInput> = {};
  if (tenant.strategy === undefined) fields.strategy = input.strategy ?? defaultStrategy;
  if (tenant.schemaName === undefined && input.schemaName !== undefined) fields.schemaName = input.schemaName;
  if (tenant.databaseUrl === undefined && input.databaseUrl !== undefined) fields.databaseUrl = input.databaseUrl;
  return fields;
}
