// Work over every tenant (cron jobs, maintenance); part of the root entry point.

export { TenantRunner } from './tenant-runner.service';
export type {
  ForEachTenantOptions,
  TenantRunReport,
  TenantRunResult,
  TenantRunSkipReason,
} from './tenant-run-report.interface';
