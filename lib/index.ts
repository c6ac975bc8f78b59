// The public API of the root entry point, what an app runs. Anything not exported
// here or from a subpath index (lib/<subpath>/index.ts) is internal and may change.

export { TenancyModule } from './tenancy.module';
export type {
  TenancyModuleOptions,
  TenancyModuleExtras,
  RlsStrategyOptions,
  ClientPoolOptions,
  SchemaStrategyOptions,
  DatabaseStrategyOptions,
  TenancyMigrationsOptions,
  TenantResolverOption,
  HeaderResolverOptions,
  SubdomainResolverOptions,
  PathResolverOptions,
  ClaimResolverOptions,
  CustomResolverOptions,
  SharedPoolOptions,
} from './options/tenancy-options.interface';
export { DEFAULT_TENANT_ID_PATTERN, defaultSchemaName, prefixedTenantName } from './options/tenancy-options.validator';

export { TenantContext } from './context/tenant-context.service';
export type { TenantEntryPoint } from './entry-points/tenant-entry-point.interface';
export * from './entry-points/microservices';
export * from './entry-points/graphql';
export * from './entry-points/websockets';
export * from './jobs';
export { currentTenantId } from './context/current-tenant-id';
export { TenantAwareLogger } from './logging/tenant-aware.logger';
export { TENANT_SPAN_ATTRIBUTE } from './tracing/tenant-span';
export {
  TenantPrisma,
  type PrismaModelKey,
  type SharedModelKey,
  type SharedPrismaClient,
} from './prisma/tenant-prisma.service';
export { TenantRepository } from './repository/tenant.repository';
export { TenantPoolService } from './pool/tenant-pool.service';
export type { TenantPoolEvent, TenantPoolEventPayload, TenantPoolStats } from './pool/pooled-client.interface';
export { TenancyMetrics } from './metrics/tenancy-metrics.service';
export type {
  TenancyMetricsSnapshot,
  StrategyMetrics,
  SharedPoolStats,
  ConnectionBudgetStats,
  TenantCacheStats,
} from './metrics/tenancy-metrics.interface';

export { TenantStore, type TenantListOptions } from './store/tenant-store.interface';
export { InMemoryTenantStore } from './store/in-memory-tenant.store';
export { TenantCache } from './store/tenant-cache.service';
export type { Tenant, TenantStatus, TenancyStrategyName } from './store/tenant.interface';

export type { TenantResolver, TenancyRequest } from './resolvers/tenant-resolver.interface';
export { TenantResolution } from './resolvers/tenant-resolution.service';
export { HeaderTenantResolver, type HeaderTenantResolverOptions } from './resolvers/header.resolver';
export { SubdomainTenantResolver, type SubdomainTenantResolverOptions } from './resolvers/subdomain.resolver';
export { PathTenantResolver, type PathTenantResolverOptions } from './resolvers/path.resolver';
export { ClaimTenantResolver, type ClaimTenantResolverOptions } from './resolvers/claim.resolver';
export { CustomTenantResolver, type TenantResolverFunction } from './resolvers/custom.resolver';
export { TenantGuard } from './guards/tenant.guard';
export { CurrentTenant } from './decorators/current-tenant.decorator';
export { SkipTenant } from './decorators/skip-tenant.decorator';
export { SKIP_TENANT_METADATA } from './tenancy.constants';

export { rlsPolicySql, type RlsPolicySqlOptions } from './strategies/rls/rls-policy.sql';

export * from './errors';

// Operations tooling has subpaths of its own (package.json's "exports"), so this
// surface stays what an app runs: nestjs-prisma-tenancy/provisioning, /migrations,
// /crypto, /registry; /testing, /health and /transactional need optional peers.
