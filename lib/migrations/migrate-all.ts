import { performance } from 'node:perf_hooks';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import type {
  MigrateAllOptions,
  MigrateAllReport,
  MigrationTarget,
  TargetMigrationReport,
  TenantMigrationResult,
} from './tenant-migration.interface';

/** Migrates one target, pushing each migration's name into `applied` as it commits; `{ skip }` passes it over. */
export type MigrateOne = (
  target: MigrationTarget,
  applied: string[],
) => Promise<TenantMigrationResult | { skip: string }>;

/**
 * Runs `migrateOne` over the targets with at most `concurrency` at once: a
 * fixed set of workers pulling the next index, so a slow tenant holds one
 * slot, not a whole batch. A failure becomes that target's report line.
 */
export async function runAll(
  targets: readonly MigrationTarget[],
  options: MigrateAllOptions,
  migrateOne: MigrateOne,
): Promise<MigrateAllReport> {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TenancyConfigError('concurrency', `must be a positive integer, got ${concurrency}`);
  }
  const started = performance.now();
  const reports: TargetMigrationReport[] = new Array(targets.length);
  let next = 0;
  let done = 0;

  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      reports[index] = options.signal?.aborted
        ? skippedLine(targets[index], 'interrupted before its turn')
        : await migrateReported(targets[index], migrateOne);
      done++;
      try {
        options.onProgress?.(reports[index], { done, total: targets.length });
      } catch {
        // A throwing progress callback must not abandon the remaining targets
        // half-way; its errors are ignored, as documented on `onProgress`.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));

  const count = (status: TargetMigrationReport['status']) =>
    reports.filter((report) => report.status === status).length;
  return {
    targets: reports,
    totals: {
      targets: reports.length,
      ok: count('ok'),
      failed: count('failed'),
      skipped: count('skipped'),
      applied: reports.reduce((sum, report) => sum + report.applied.length, 0),
      durationMs: performance.now() - started,
    },
  };
}

async function migrateReported(target: MigrationTarget, migrateOne: MigrateOne): Promise<TargetMigrationReport> {
  const started = performance.now();
  const applied: string[] = [];
  try {
    const result = await migrateOne(target, applied);
    return 'skip' in result ? skippedLine(target, result.skip) : { ...result, status: 'ok' };
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    return { target, applied, warnings: [], durationMs: performance.now() - started, status: 'failed', error };
  }
}

function skippedLine(target: MigrationTarget, why: string): TargetMigrationReport {
  return { target, applied: [], warnings: [`skipped: ${why}`], durationMs: 0, status: 'skipped' };
}
