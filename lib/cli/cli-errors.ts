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

/**
 * Prints why the command stopped and returns its exit code: 2 when the
 * arguments or settings are at fault (nothing, or nothing harmful, was done),
 * 1 for everything else.
 */
export function reportError(error: unknown, output: CliOutput, usage: (command?: string) => string): number {
  if (error instanceof CliUsageError) {
    output.err(`error: ${error.message}`);
    if (!(error instanceof CliSettingsError)) output.err(usage(error.command));
    return EXIT_USAGE;
  }
  // Before its base class, TenancyConfigError: its field (`keys[1]`) maps to no setting by name.
  if (error instanceof TenantSecretConfigError) {
    output.err(`error: ${settingSpec('encryptionKeys')!.env}: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof TenancyConfigError) {
    const key = SETTING_OF_FIELD[error.field];
    output.err(`error: ${error.message}`);
    if (key) output.err(`  set ${howToSet(settingSpec(key)!)}`);
    return EXIT_USAGE;
  }
  if (error instanceof InvalidTenantIdError || error instanceof DeprovisionNotConfirmedError) {
    const rule =
      error instanceof InvalidTenantIdError
        ? ' (by default letters, digits, - and _, starting with a letter or digit, at most 63; see TENANCY_TENANT_ID_PATTERN)'
        : '';
    output.err(`error: ${error.message}${rule}`);
    return EXIT_USAGE;
  }
  const code = (error as { code?: unknown })?.code;
  const text = messageOf(error);
  if (code === '42P01' && text.includes('tenancy_tenants')) {
    output.err(`error: ${text}: the registry table does not exist yet; run \`init\` or provision a tenant`);
  } else {
    output.err(`error: ${text}`);
  }
  return EXIT_FAILED;
}

// A refused connection to `localhost` is an AggregateError with an empty message (one error per address).
function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message && error.errors.length) return messageOf(error.errors[0]);
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}
