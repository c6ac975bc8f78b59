import { FailedMigrationFoundError } from '../migrations/errors/failed-migration-found.error';
import { MigrationFailedError } from '../migrations/errors/migration-failed.error';
import type { MigrateAllReport, TargetMigrationReport } from '../migrations/tenant-migration.interface';
import type { RegistryTenant } from '../registry/registry-tenant.interface';

// The `--json` documents, one per run. Their shapes are documented in
// docs/cli.md: change them only compatibly (add fields, never rename).

/** A tenant as `--json` shows it: the registry record without its database URL, encrypted or not. */
export function tenantJson(tenant: RegistryTenant): Record<string, unknown> {
  const { databaseUrl, ...rest } = tenant;
  return { ...rest, hasDatabaseUrl: databaseUrl !== undefined };
}

/** `{ code, message }` of a failure: the error's own `errorCode` when it has one. */
export function errorJson(error: Error): { code: string; message: string; [key: string]: unknown } {
  const own = (error as { errorCode?: unknown }).errorCode;
  const json: { code: string; message: string; [key: string]: unknown } = {
    code: typeof own === 'string' ? own : 'ERROR',
    message: error.message,
  };
  // The migrations to mark rolled back (`resolve <id> --rolled-back <name>`) once the cause is fixed.
  const names = failedMigrationNames(error);
  if (names.length) json.failedMigrations = names;
  return json;
}

/** Names of the failed migrations an error reports, which block the tenant until resolved. */
export function failedMigrationNames(error: Error | undefined): string[] {
  if (error instanceof MigrationFailedError) return [error.migrationName];
  if (error instanceof FailedMigrationFoundError) return error.migrationNames;
  return [];
}

/** One tenant's line of a migration report. */
export function migrationLineJson(line: TargetMigrationReport): Record<string, unknown> {
  return {
    tenantId: line.target.tenantId ?? null,
    ...(line.target.schema !== undefined && { schema: line.target.schema }),
    status: line.status,
    applied: line.applied,
    warnings: line.warnings,
    durationMs: Math.round(line.durationMs),
    ...(line.error && { error: errorJson(line.error) }),
  };
}

/** `migrate <id>` and `migrate --all`: the same shape, one line per tenant and the totals. */
export function migrationReportJson(report: MigrateAllReport, interrupted = false): Record<string, unknown> {
  return {
    targets: report.targets.map(migrationLineJson),
    totals: { ...report.totals, durationMs: Math.round(report.totals.durationMs) },
    interrupted,
  };
}

/** A report of one line, for `migrate <id>`. */
export function singleReport(line: TargetMigrationReport): MigrateAllReport {
  const count = (status: TargetMigrationReport['status']) => (line.status === status ? 1 : 0);
  return {
    targets: [line],
    totals: {
      targets: 1,
      ok: count('ok'),
      failed: count('failed'),
      skipped: count('skipped'),
      applied: line.applied.length,
      durationMs: line.durationMs,
    },
  };
}
