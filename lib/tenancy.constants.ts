/** Metadata key set by `@SkipTenant()`. Namespaced to avoid clashes with other libraries. */
export const SKIP_TENANT_METADATA = 'TENANCY:SKIP_TENANT';
