import { EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';

/** `claim <id>`: marks the existing schema or database of a tenant provisioned by a release before ownership markers. */
export const claimCommand: CliCommand = {
  name: 'claim',
  summary: "Mark a tenant's existing schema or database as its own (upgrade from releases without ownership markers)",
  usage: ['<id>'],
  description:
    "Writes the tenant's ownership marker on the schema or database its record names (and on its own role, with " +
    'perTenantRole), so the app serves it and provision/deprovision accept it. Refused when another tenant record ' +
    "names the same schema or database, or when it is marked as another tenant's; nothing is marked then. Run it " +
    "only for objects you know hold this tenant's data, once per tenant provisioned before the upgrade.",
  positionals: { min: 1, max: 1 },
  options: {},
  settings: [
    'registryUrl',
    'defaultStrategy',
    'ownerUrl',
    'appRole',
    'schemaPrefix',
    'encryptionKeys',
    'adminUrl',
    'appUrl',
  ],
  async run(context, { positionals: [id] }) {
    const provisioner = await context.tenants();
    const marked = await provisioner.claim(id);
    if (context.output.jsonMode) {
      context.output.document({ tenantId: id, marked });
      return EXIT_OK;
    }
    context.output.out(
      marked.length ? `claimed ${id}: marked ${marked.join(', ')}` : `${id} already owns its objects: nothing to mark`,
    );
    return EXIT_OK;
  },
};
