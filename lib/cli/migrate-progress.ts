import { performance } from 'node:perf_hooks';
import type { TargetMigrationReport } from '../migrations/tenant-migration.interface';
import { shortError, type CliOutput, type CliText } from './cli-output';

const BAR_WIDTH = 30;
// Redrawing on every tenant of a large fleet would flood a slow terminal.
const REDRAW_MS = 100;

/** `ok   acme  2 applied  120ms`, `FAIL globex  <first line of the error>` or `skip initech  <why>`. */
export function formatTenantLine(line: TargetMigrationReport): string {
  const id = line.target.tenantId ?? line.target.schema ?? 'default';
  if (line.error) return `FAIL ${id}  ${shortError(line.error.message, 200)}`;
  if (line.status === 'skipped') return `skip ${id}  ${line.warnings.join('; ')}`;
  const warnings = line.warnings.length ? `  (warning: ${line.warnings.join('; ')})` : '';
  return `ok   ${id}  ${line.applied.length} applied  ${Math.round(line.durationMs)}ms${warnings}`;
}

/**
 * `migrate --all`'s `onProgress`: on a TTY a bar on stderr (done/total,
 * failures, ETA) with failures printed above it as they happen; otherwise one
 * plain line per tenant on stdout, for CI logs and `grep` (on stderr under
 * `--json`, whose stdout is the report alone).
 */
export class MigrateProgress {
  private readonly started = performance.now();
  private failed = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly output: CliOutput,
    private readonly tty: boolean,
    /** Where the plain lines go when not on a TTY. Default: `stdout`. */
    private readonly lines: 'stdout' | 'stderr' = 'stdout',
  ) {}

  readonly onProgress = (line: TargetMigrationReport, progress: { done: number; total: number }): void => {
    if (!this.tty) {
      const text = formatTenantLine(line);
      return this.lines === 'stdout' ? this.output.out(text) : this.output.err(text);
    }
    if (line.status === 'failed') {
      this.failed++;
      this.clear();
      this.output.err(this.output.paint(formatTenantLine(line), 'red'));
    }
    const now = performance.now();
    if (line.status === 'failed' || progress.done === progress.total || now - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = now;
      this.drawn = true;
      this.output.redraw(this.bar(progress.done, progress.total, now - this.started));
    }
  };

  /** Removes the bar, so the report that follows starts on a clean line. */
  finish(): void {
    this.clear();
  }

  private bar(done: number, total: number, elapsedMs: number): CliText {
    const filled = total ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = ['█'.repeat(filled), this.output.paint('░'.repeat(BAR_WIDTH - filled), 'dim')];
    const failures = this.failed ? ['  ', this.output.paint(`${this.failed} failed`, 'red')] : [];
    const eta = done < total ? `  ETA ${duration((elapsedMs / Math.max(done, 1)) * (total - done))}` : '';
    return ['[', bar, `] ${done}/${total}`, failures, eta];
  }

  private clear(): void {
    if (this.drawn) this.output.clearLine();
    this.drawn = false;
  }
}

/** `0:42`, `12:05`, `1:02:03`. */
function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
