import { EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import { formatTenantLine } from '../migrate-progress';

/** `migrate-shared`: the RLS strategy's one shared database, and the policies of `rlsTables`. */
export const migrateSharedCommand: CliCommand = {
  name: 'migrate-shared',
  summary: 'Migrate the shared database (RLS tenants) and (re)create its tenant policies',
  usage: [''],
  description:
    'Applies the migrations folder to the shared database as the owner role, then drops and recreates the ' +
    'row-level security policies of the rlsTables setting, in one transaction. Leave rlsTables empty when the ' +
    'migrations carry their own policies.',
  positionals: { min: 0, max: 0 },
  options: {},
  settings: [
    'registryUrl',
    'defaultStrategy',
    'ownerUrl',
    'migrationsDir',
    'rlsTables',
    'rlsSchema',
    'rlsTenantColumn',
    'rlsSetting',
  ],
  async run(context) {
    const result = await (await context.tenants()).migrateShared();
    const { rlsTables } = context.settings;
    if (context.output.jsonMode) {
      const { applied, warnings, durationMs } = result;
      context.output.document({ applied, warnings, durationMs: Math.round(durationMs), policyTables: rlsTables });
      return EXIT_OK;
    }
    context.output.out(formatTenantLine({ ...result, status: 'ok' }));
    if (rlsTables.length) context.output.out(`tenant policies (re)created on ${rlsTables.join(', ')}`);
    return EXIT_OK;
  },
};
