import { EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import { tenantJson } from '../cli-json';
import { CliUsageError } from '../cli-usage.error';

/** `deprovision <id> --confirm <id>`: drops a tenant's schema or database, only when the id is typed twice. */
export const deprovisionCommand: CliCommand = {
  name: 'deprovision',
  summary: "Drop a tenant's schema or database and mark it deleted (needs --confirm <id>)",
  usage: ['<id> --confirm <id> [--delete-rows]'],
  description:
    'Marks the tenant deleted (so it stops being served), then drops its schema or database, and its own role ' +
    "if it has one. ALL ITS DATA IS LOST. The id must be repeated with --confirm. An RLS tenant's rows stay in " +
    'the shared tables for the app to delete, unless --delete-rows. Run it again to finish a drop that failed.',
  positionals: { min: 1, max: 1 },
  options: {
    confirm: {
      type: 'string',
      valueName: 'ID',
      description: 'The tenant id again; nothing is dropped unless it matches',
    },
    'delete-rows': {
      type: 'boolean',
      description:
        "RLS tenant: also delete its rows from the rlsTables setting's tables, in one transaction (children, listed last, first)",
    },
  },
  settings: [
    'registryUrl',
    'defaultStrategy',
    'ownerUrl',
    'appRole',
    'adminUrl',
    'allowedServers',
    'encryptionKeys',
    'rlsTables',
    'rlsSchema',
    'rlsTenantColumn',
    'rlsSetting',
  ],
  async run(context, { positionals: [id], values }) {
    // Checked before connecting: a wrong or missing confirmation must not even reach the database.
    if (values.confirm !== id) {
      const why = values.confirm === undefined ? 'without' : `with --confirm "${String(values.confirm)}", not`;
      throw new CliUsageError(
        `refusing to deprovision "${id}" ${why} --confirm ${id}: it drops the tenant's data`,
        'deprovision',
      );
    }
    const provisioner = await context.tenants();
    let dropped: string[] = [];
    provisioner.once('deleted', (event) => void (dropped = event.dropped));
    const tenant = await provisioner.deprovision(id, { confirm: id, deleteRows: values['delete-rows'] === true });
    if (context.output.jsonMode) {
      context.output.document({ tenant: tenantJson(tenant), dropped });
      return EXIT_OK;
    }
    const what = dropped.length
      ? `dropped ${dropped.join(', ')}`
      : 'nothing to drop (its rows in shared tables are left to the app; --delete-rows deletes them)';
    context.output.out(`deprovisioned ${id}: ${what}`);
    return EXIT_OK;
  },
};
