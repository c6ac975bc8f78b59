import type { MigrateAllReport, TargetMigrationReport } from './tenant-migration.interface';

/** Options of `formatMigrationReport`. */
export interface MigrationReportFormatOptions {
  /** List only failed targets and targets with warnings (totals still cover all). Default: `false`. */
  problemsOnly?: boolean;
  /** Longest error text shown per line; the rest is cut with `…`. Default: `120`. */
  maxErrorLength?: number;
}

const HEADERS = ['tenant', 'schema', 'status', 'applied', 'ms', 'error / warnings'];

/**
 * A plain-text table of a `migrateAll` report, one line per target and a
 * totals line, for logs and CLIs. Only the first line of an error is shown;
 * the full error stays on the report.
 */
export function formatMigrationReport(report: MigrateAllReport, options: MigrationReportFormatOptions = {}): string {
  const maxError = options.maxErrorLength ?? 120;
  const shown = options.problemsOnly
    ? report.targets.filter((line) => line.status === 'failed' || line.warnings.length > 0)
    : report.targets;
  const rows = shown.map((line) => [
    line.target.tenantId ?? line.target.schema ?? 'default',
    line.target.schema ?? '',
    line.status,
    line.applied.length ? `${line.applied.length} (${line.applied[line.applied.length - 1]})` : '0',
    String(Math.round(line.durationMs)),
    cut(problem(line), maxError),
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  const { totals } = report;
  return [
    render(HEADERS),
    render(widths.map((width) => '-'.repeat(width))),
    ...rows.map(render),
    '',
    `${totals.targets} targets: ${totals.ok} ok, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}; ` +
      `${totals.applied} migrations applied in ${(totals.durationMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

function problem(line: TargetMigrationReport): string {
  if (line.error) return line.error.message.split('\n')[0];
  return line.warnings.join('; ');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(max - 1, 0))}…` : text;
}
