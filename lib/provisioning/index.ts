// Tenant provisioning's public surface; to be re-exported from the package root.
export { TenantProvisioner } from './tenant-provisioner.service';
export type {
  TenantProvisionerOptions,
  DatabaseProvisioningOptions,
  RlsProvisioningOptions,
  SchemaProvisioningOptions,
  ProvisionTenantInput,
  DeprovisionOptions,
  MigrateTenantsOptions,
} from './tenant-provisioner.interface';
export {
  TenantLifecycleEmitter,
  type TenantLifecycleEvents,
  type TenantLifecycleEvent,
  type TenantLifecycleOperation,
} from './tenant-lifecycle.events';
export { TenantLifecycleError, type TenantLifecycleConflict } from './tenant-lifecycle.error';
export { DeprovisionNotConfirmedError } from './deprovision-not-confirmed.error';
export { TenantResourceNotOwnedError } from './tenant-resource-not-owned.error';
