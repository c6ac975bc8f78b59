import { DatabaseError } from 'pg';
import { TenantSecretConfigError } from '../crypto/tenant-secret-config.error';
import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { DeprovisionNotConfirmedError } from '../provisioning/deprovision-not-confirmed.error';
import type { CliSettings } from './cli-settings.interface';
import { EXIT_FAILED, EXIT_USAGE } from './cli.constants';
import type { CliOutput } from './cli-output';
import { howToSet, settingSpec } from './cli-settings.definition';
import { CliSettingsError } from './cli-settings.error';
import { CliUsageError } from './cli-usage.error';
import { failedMigrationNames } from './cli-json';

// Option paths of library errors, as the CLI setting that feeds them, so the
// message can say which environment variable to fix.
const SETTING_OF_FIELD: Record<string, keyof CliSettings> = {
  appRole: 'appRole',
  ownerUrl: 'ownerUrl',
  defaultStrategy: 'defaultStrategy',
  concurrency: 'concurrency',
  database: 'adminUrl',
  'database.adminUrl': 'adminUrl',
  'database.appUrl': 'appUrl',
  'database.allowPlaintextUrls': 'encryptionKeys',
  'database.allowedServers': 'allowedServers',
  'registry.cipher': 'encryptionKeys',
  'registry.schema': 'registrySchema',
  table: 'rlsTables',
  schema: 'rlsSchema',
  tenantColumn: 'rlsTenantColumn',
  setting: 'rlsSetting',
};

/** Why a command stopped, as printed: a message, then hints; `code` names it for `--json`. */
interface CliFailure {
  exitCode: number;
  code: string;
  message: string;
  hints: string[];
  /** PostgreSQL's SQLSTATE, when the database refused. */
  sqlState?: string;
  /** Migrations recorded as failed, which block the tenant until resolved. */
  failedMigrations?: string[];
}

/**
 * Prints why the command stopped and returns its exit code: 2 when the
 * arguments or settings are at fault (nothing, or nothing harmful, was done),
 * 1 for everything else. Under `--json` it is the run's JSON document,
 * `{ "error": { "code", "message", "hint"?, "sqlState"?, "failedMigrations"? } }`, unless the
 * command printed its document already.
 */
export function reportError(error: unknown, output: CliOutput, usage: (command?: string) => string): number {
  const failure = describeFailure(error, usage);
  if (output.jsonMode && !output.hasDocument) {
    const { code, message, hints, sqlState, failedMigrations } = failure;
    output.document({
      error: {
        code,
        message,
        ...(hints.length && { hint: hints.join('\n') }),
        ...(sqlState && { sqlState }),
        ...(failedMigrations?.length && { failedMigrations }),
      },
    });
  } else {
    output.err(`error: ${failure.message}`);
    for (const hint of failure.hints) output.err(hint);
  }
  return failure.exitCode;
}

function describeFailure(error: unknown, usage: (command?: string) => string): CliFailure {
  if (error instanceof CliUsageError) {
    const settings = error instanceof CliSettingsError;
    return {
      exitCode: EXIT_USAGE,
      code: settings ? 'INVALID_SETTINGS' : 'USAGE',
      message: error.message,
      hints: settings ? [] : [usage(error.command)],
    };
  }
  // Before its base class, TenancyConfigError: its field (`keys[1]`) maps to no setting by name.
  if (error instanceof TenantSecretConfigError) {
    const message = `${settingSpec('encryptionKeys')!.env}: ${error.message}`;
    return { exitCode: EXIT_USAGE, code: 'INVALID_SETTINGS', message, hints: [] };
  }
  if (error instanceof TenancyConfigError) {
    const key = SETTING_OF_FIELD[error.field];
    const hints = key ? [`  set ${howToSet(settingSpec(key)!)}`] : [];
    return { exitCode: EXIT_USAGE, code: 'INVALID_SETTINGS', message: error.message, hints };
  }
  if (error instanceof InvalidTenantIdError || error instanceof DeprovisionNotConfirmedError) {
    const rule =
      error instanceof InvalidTenantIdError
        ? ' (by default lower-case letters, digits and -, starting with a letter or digit, at most 56; see TENANCY_TENANT_ID_PATTERN)'
        : '';
    return { exitCode: EXIT_USAGE, code: error.errorCode, message: `${error.message}${rule}`, hints: [] };
  }
  const own = (error as { errorCode?: unknown })?.errorCode;
  const raw = (error as { code?: unknown })?.code;
  // pg's errors carry the SQLSTATE as `code`; Node's system errors a name such as ECONNREFUSED.
  const sqlState = error instanceof DatabaseError ? error.code : undefined;
  const code = typeof own === 'string' ? own : sqlState ? 'DATABASE_ERROR' : typeof raw === 'string' ? raw : 'ERROR';
  const text = messageOf(error);
  if (sqlState === '42P01' && text.includes('tenancy_tenants')) {
    const hint = 'the registry table does not exist yet; run `init` or provision a tenant';
    return { exitCode: EXIT_FAILED, code, message: `${text}: ${hint}`, hints: [], sqlState };
  }
  const failedMigrations = error instanceof Error ? failedMigrationNames(error) : [];
  return { exitCode: EXIT_FAILED, code, message: text, hints: [], sqlState, failedMigrations };
}

// A refused connection to `localhost` is an AggregateError with an empty message (one error per address).
function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message && error.errors.length) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}
