// `nestjs-prisma-tenancy/testing`: the users' testing kit. Never imported by
// the root entry: it needs @nestjs/testing, an optional peer dependency.

export {
  createTenancyTestingModule,
  createTenancyTestingApp,
  runAsTenant,
  type TenancyTestingOptions,
  type TenancyTestingAppOptions,
} from './tenancy-testing.module';
export { expectNoTenantLeaks } from './leaks/expect-no-tenant-leaks';
export { findTenantLeaks } from './leaks/find-tenant-leaks';
export { formatTenantLeakReport } from './leaks/format-tenant-leak-report';
export { TenantLeakError } from './leaks/tenant-leak.error';
export type { TenantLeakTestOptions } from './leaks/tenant-leak.options';
export type {
  TenantLeak,
  TenantLeakReport,
  TenantLeakRouteResult,
  TenantLeakWarning,
} from './leaks/tenant-leak.report';
export type { TenantLeakRoute } from './routes/tenant-leak-route.interface';
export type { Canary } from './canaries/canary.interface';
export type { CanaryChange } from './canaries/canary-watch';
