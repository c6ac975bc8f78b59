import { performance } from 'node:perf_hooks';
import { InvalidTenantIdError } from '../../errors/invalid-tenant-id.error';
import { DEFAULT_TENANT_ID_PATTERN } from '../../options/tenancy-options.validator';
import type { TenancyStrategyName } from '../../store/tenant.interface';
import {
  isTenancyStrategyName,
  strategyDefinition,
  strategyNamesText,
  TENANCY_STRATEGY_NAMES,
} from '../../strategies/strategy.registry';
import { CLI_NAME, EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import { tenantJson } from '../cli-json';
import type { CliSettings } from '../cli-settings.interface';
import { CliUsageError } from '../cli-usage.error';

/** `provision <id>`: registers, creates, migrates and activates a tenant (or resumes a failed attempt). */
export const provisionCommand: CliCommand = {
  name: 'provision',
  summary: "Create a tenant's schema or database, migrate it and activate it",
  usage: [`<id> [--name N] [--strategy ${TENANCY_STRATEGY_NAMES.join('|')}] [--schema S] [--database-url URL]`],
  description:
    'Registers the tenant (creating the registry table on first use), creates its schema or database, ' +
    'applies every migration and marks it active. Run it again on a failed or half-provisioned tenant to ' +
    'finish what is missing; on an active tenant it changes nothing.',
  positionals: { min: 1, max: 1 },
  options: {
    name: { type: 'string', valueName: 'N', description: 'Display name of the tenant' },
    strategy: {
      type: 'string',
      valueName: 'S',
      description: `${strategyNamesText()}. Default: the defaultStrategy setting (TENANCY_STRATEGY)`,
    },
    schema: { type: 'string', valueName: 'S', description: 'Schema strategy: schema name. Default: schemaPrefix + id' },
    'database-url': {
      type: 'string',
      valueName: 'URL',
      description:
        'Database strategy: connect the tenant to this URL (its database is created if missing). Default: generated',
    },
  },
  settings: [
    'registryUrl',
    'ownerUrl',
    'appRole',
    'migrationsDir',
    'defaultStrategy',
    'schemaPrefix',
    'tenantIdPattern',
    'encryptionKeys',
    'adminUrl',
    'allowedServers',
    'appUrl',
  ],
  async run(context, { positionals: [id], values }) {
    const strategy = values.strategy as TenancyStrategyName | undefined;
    if (strategy !== undefined && !isTenancyStrategyName(strategy)) {
      throw new CliUsageError(`--strategy must be ${strategyNamesText()}, got "${strategy}"`, 'provision');
    }
    // Otherwise the tenant would be registered first and only then fail, left behind as `failed`.
    for (const key of strategyDefinition(strategy ?? context.strategy()).cli.requiredSettings ?? [])
      context.require(key as keyof CliSettings);
    const databaseUrl = values['database-url'] as string | undefined;
    context.output.addSecrets([], [databaseUrl]);
    // Before the registry is touched: a malformed id is a usage error, with nothing created.
    if (!(context.settings.tenantIdPattern ?? DEFAULT_TENANT_ID_PATTERN).test(id)) throw new InvalidTenantIdError();
    // Built first: its option checks (app role, database settings) fail before anything is created.
    const provisioner = await context.tenants();
    const registryCreated = await context.ensureRegistry();
    if (registryCreated) context.output.err(`created the registry table in schema "${context.registry().schema}"`);
    let applied: string[] | undefined;
    provisioner.once('provisioned', (event) => void (applied = event.applied));
    const started = performance.now();
    let tenant;
    try {
      const { name, schema: schemaName } = values as { name?: string; schema?: string };
      tenant = await provisioner.provision({ id, name, strategy, schemaName, databaseUrl });
    } catch (error) {
      // Only a tenant left `failed` can be resumed; a refused id or a suspended tenant cannot.
      const left = await context
        .registry()
        .findById(id)
        .catch(() => null);
      if (left?.status === 'failed')
        context.output.err(`hint: fix the cause, then run \`${CLI_NAME} provision ${id}\` again to finish it`);
      throw error;
    }
    const durationMs = Math.round(performance.now() - started);
    if (context.output.jsonMode) {
      context.output.document({
        tenant: tenantJson(tenant),
        provisioned: applied !== undefined,
        applied: applied ?? [],
        durationMs,
        registryCreated,
      });
      return EXIT_OK;
    }
    const where = strategyDefinition(tenant.strategy ?? context.strategy()).cli.describe(tenant);
    if (applied === undefined) {
      context.output.out(`${tenant.id} is already active (${where})`);
    } else {
      context.output.out(
        `provisioned ${tenant.id} (${where}): ${applied.length} migration(s) applied in ${durationMs}ms`,
      );
    }
    return EXIT_OK;
  },
};
