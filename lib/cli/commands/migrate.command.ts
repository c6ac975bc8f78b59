import { TenantMigrationError } from '../../migrations/errors/tenant-migration.error';
import { formatMigrationReport } from '../../migrations/migration-report';
import type { TargetMigrationReport } from '../../migrations/tenant-migration.interface';
import { CLI_NAME, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import type { CliContext } from '../cli-context';
import { failedMigrationNames, migrationReportJson, singleReport } from '../cli-json';
import { CliUsageError } from '../cli-usage.error';
import { formatTenantLine, MigrateProgress } from '../migrate-progress';

/** `migrate <id>` or `migrate --all`: pending migrations for one tenant or the fleet, recorded in the registry. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply pending migrations to one tenant, or to all of them with --all',
  usage: ['<id>', '--all [--concurrency N] [--include-suspended]'],
  description:
    'Applies the migrations folder to tenant schemas or databases (RLS tenants share the database: use ' +
    'migrate-shared). With --all, every active tenant, N at a time, going on past failures; each outcome is ' +
    'recorded on the tenant (schema version, migrated at, last error). Exit 1 when any tenant failed.',
  positionals: { min: 0, max: 1 },
  options: {
    all: { type: 'boolean', description: 'Migrate every active tenant' },
    concurrency: {
      type: 'string',
      valueName: 'N',
      description: 'With --all: tenants migrated at once. Default: the concurrency setting (4)',
    },
    'include-suspended': { type: 'boolean', description: 'With --all: migrate suspended tenants too' },
  },
  settings: [
    'registryUrl',
    'defaultStrategy',
    'ownerUrl',
    'appRole',
    'migrationsDir',
    'concurrency',
    'schemaPrefix',
    'encryptionKeys',
    'adminUrl',
    'allowedServers',
  ],
  async run(context, { positionals: [id], values }) {
    if (Boolean(values.all) === (id !== undefined))
      throw new CliUsageError('migrate needs a tenant id or --all (not both)', 'migrate');
    if (!values.all && (values.concurrency !== undefined || values['include-suspended'])) {
      throw new CliUsageError('--concurrency and --include-suspended go with --all', 'migrate');
    }
    return values.all ? migrateAll(context, values['include-suspended'] === true) : migrateOne(context, id);
  },
};

async function migrateOne(context: CliContext, id: string): Promise<number> {
  const provisioner = await context.tenants();
  let line: TargetMigrationReport;
  try {
    const result = await provisioner.migrate(id);
    // The library's advice names its method; here the command is what to run.
    const warnings = result.warnings.map((warning) =>
      warning.replace('migrateShared()', `\`${CLI_NAME} migrate-shared\``),
    );
    line = { ...result, warnings, status: 'ok' };
  } catch (error) {
    if (!(error instanceof TenantMigrationError)) throw error;
    line = { target: error.target, applied: [], warnings: [], durationMs: 0, status: 'failed', error };
  }
  if (context.output.jsonMode) context.output.document(migrationReportJson(singleReport(line)));
  else context.output.out(formatTenantLine(line));
  if (line.status !== 'failed') return EXIT_OK;
  printHints(context, [line]);
  return EXIT_FAILED;
}

async function migrateAll(context: CliContext, includeSuspended: boolean): Promise<number> {
  const provisioner = await context.tenants();
  const progress = new MigrateProgress(context.output, context.isTTY, context.output.jsonMode ? 'stderr' : 'stdout');
  const report = await provisioner
    .migrateAll({
      concurrency: context.settings.concurrency,
      statuses: includeSuspended ? ['active', 'suspended'] : ['active'],
      onProgress: progress.onProgress,
      signal: context.signal,
    })
    .finally(() => progress.finish());
  const interrupted = report.totals.skipped > 0 && Boolean(context.signal?.aborted);
  if (context.output.jsonMode) {
    context.output.document(migrationReportJson(report, interrupted));
  } else if (!report.targets.length) {
    context.output.out('No tenants to migrate.');
    return EXIT_OK;
  } else {
    if (!context.isTTY) context.output.out();
    context.output.out(formatMigrationReport(report));
  }
  const failed = report.targets.filter((line) => line.status === 'failed');
  printHints(context, failed);
  if (interrupted) {
    context.output.err(
      `interrupted: ${report.totals.skipped} tenant(s) not migrated; run \`${CLI_NAME} migrate --all\` again to finish`,
    );
    return EXIT_INTERRUPTED;
  }
  return failed.length ? EXIT_FAILED : EXIT_OK;
}

/** What to run once the cause is fixed: a failed migration blocks its tenant until marked rolled back. */
function printHints(context: CliContext, failed: readonly TargetMigrationReport[]): void {
  const commands = failed.flatMap(({ target, error }) =>
    failedMigrationNames(error).map((name) => `  ${CLI_NAME} resolve ${target.tenantId} --rolled-back ${name}`),
  );
  if (!commands.length) return;
  context.output.err(
    `\nA failed migration blocks its tenant until resolved. Fix the cause, then:\n${commands.join('\n')}`,
  );
  context.output.err(`and run \`${CLI_NAME} migrate\` again.`);
}
