export { TenancyError } from './tenancy.error';
export { MissingTenantError } from './missing-tenant.error';
export { InvalidTenantIdError } from './invalid-tenant-id.error';
export { TenantNotFoundError } from './tenant-not-found.error';
export { TenantInactiveError } from './tenant-inactive.error';
export { TenancyConfigError } from './tenancy-config.error';
export { TenantMismatchError } from './tenant-mismatch.error';
