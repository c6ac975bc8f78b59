// Tokens and keys private to the package: never exported from index.ts.

/** Options after validation and defaults (`ResolvedTenancyOptions`). */
export const TENANCY_RESOLVED_OPTIONS = Symbol('TENANCY:ResolvedOptions');
/** The active `TenancyStrategy` instance. */
export const TENANCY_STRATEGY = Symbol('TENANCY:Strategy');
/** CLS key under which the current `Tenant` is kept. */
export const CLS_TENANT = Symbol('TENANCY:ClsTenant');
/** CLS key marking a shared-model operation that may run without a tenant. */
export const CLS_SHARED_SCOPE = Symbol('TENANCY:ClsSharedScope');
/** The running `RegistryInvalidationListener`, or undefined. */
export const TENANCY_REGISTRY_LISTENER = Symbol('TENANCY:RegistryListener');
/** Marker provider whose factory binds `TenantCallInterceptor` to the app's non-HTTP handlers. */
export const TENANCY_CALL_BINDING = Symbol('TENANCY:CallBinding');
