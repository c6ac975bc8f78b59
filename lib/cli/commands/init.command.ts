import { EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';

/** `init`: creates or upgrades the registry table, for deploy scripts that want it as a step of its own. */
export const initCommand: CliCommand = {
  name: 'init',
  summary: 'Create or upgrade the registry table (provision creates it when missing)',
  usage: [''],
  description:
    "Applies the package's registry migrations to the registry schema (its own _prisma_migrations included). " +
    'Safe to run on every deploy: it applies only what is missing.',
  positionals: { min: 0, max: 0 },
  options: {},
  settings: ['registryUrl', 'registrySchema'],
  async run(context) {
    const store = context.registry();
    const { applied, warnings } = await store.migrate();
    for (const warning of warnings) context.output.err(`warning: ${warning}`);
    if (context.output.jsonMode) {
      context.output.document({ schema: store.schema, applied, warnings });
      return EXIT_OK;
    }
    context.output.out(
      applied.length
        ? `registry in schema "${store.schema}": applied ${applied.join(', ')}`
        : `registry in schema "${store.schema}" is up to date`,
    );
    return EXIT_OK;
  },
};
