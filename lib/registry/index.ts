// The tenant registry's public surface; to be re-exported from the package root.
export { PrismaTenantStore } from './prisma-tenant.store';
export {
  RegistryInvalidationListener,
  type RegistryInvalidationListenerOptions,
} from './registry-invalidation.listener';
export { REGISTRY_MIGRATIONS } from './tenancy-registry.migration';
export { DEFAULT_REGISTRY_CHANNEL, DEFAULT_REGISTRY_SCHEMA } from './registry.constants';
export { TenantAlreadyRegisteredError } from './tenant-already-registered.error';
export type { SecretRotationReport, PlaintextEncryptionReport } from './secret-rotation';
export { TenantResourceTakenError, type TenantResource } from './tenant-resource-taken.error';
export { databaseKey } from './database-key';
export type {
  RegistryTenant,
  NewRegistryTenant,
  RegistryTenantPatch,
  ListTenantsOptions,
  PrismaTenantStoreOptions,
  RegistryConnection,
} from './registry-tenant.interface';
