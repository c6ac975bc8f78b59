// `nestjs-prisma-tenancy/health`: health checks for @nestjs/terminus, an
// optional peer, hence a subpath of their own (never imported by the root).

export { TenancyHealthIndicator } from './tenancy-health.indicator';
export type {
  DatabaseCheckOptions,
  PoolCheckOptions,
  RegistryListenerCheckOptions,
  TenantCheckOptions,
} from './tenancy-health.options';
