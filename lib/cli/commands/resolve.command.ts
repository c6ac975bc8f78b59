import { EXIT_FAILED, EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import { CliUsageError } from '../cli-usage.error';

/** `resolve <id> --rolled-back <migration>`: unblocks a tenant after a failed migration was fixed. */
export const resolveCommand: CliCommand = {
  name: 'resolve',
  summary: 'Mark a failed migration of a tenant rolled back, so the next migrate retries it',
  usage: ['<id> --rolled-back <migration>'],
  description:
    'Like `prisma migrate resolve --rolled-back`, for one tenant. A failed migration was rolled back but stays ' +
    'recorded as failed and blocks the tenant (as in Prisma). Fix its cause (the script, or the data in the ' +
    "tenant's schema), run this, then migrate again.",
  positionals: { min: 1, max: 1 },
  options: {
    'rolled-back': {
      type: 'string',
      valueName: 'NAME',
      description: 'Folder name of the failed migration, e.g. 20250104000000_labels',
    },
  },
  settings: ['registryUrl', 'defaultStrategy', 'ownerUrl', 'appRole', 'migrationsDir'],
  async run(context, { positionals: [id], values }) {
    const migration = values['rolled-back'];
    if (typeof migration !== 'string' || !migration)
      throw new CliUsageError('resolve needs --rolled-back <migration>', 'resolve');
    const marked = await (await context.tenants()).markRolledBack(id, migration);
    if (!marked) {
      const message = `${id} has no failed record of ${migration}: nothing marked`;
      if (context.output.jsonMode) context.output.document({ error: { code: 'NO_FAILED_MIGRATION', message } });
      else context.output.err(message);
      return EXIT_FAILED;
    }
    if (context.output.jsonMode) {
      context.output.document({ tenantId: id, migration, markedRolledBack: marked });
      return EXIT_OK;
    }
    context.output.out(`marked ${migration} rolled back for ${id}; run migrate to apply it again`);
    return EXIT_OK;
  },
};
