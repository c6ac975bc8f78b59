import type { TenantProvisioner } from '../../provisioning/tenant-provisioner.service';
import type { RegistryTenant } from '../../registry/registry-tenant.interface';
import { EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import { tenantJson } from '../cli-json';

/** `suspend <id>` and `activate <id>`: the same shape, a status flip reported as `from → to`. */
function statusCommand(
  name: 'suspend' | 'activate',
  summary: string,
  description: string,
  act: (provisioner: TenantProvisioner, id: string) => Promise<RegistryTenant>,
): CliCommand {
  return {
    name,
    summary,
    usage: ['<id>'],
    description,
    positionals: { min: 1, max: 1 },
    options: {},
    settings: ['registryUrl', 'defaultStrategy', 'ownerUrl', 'appRole', 'migrationsDir'],
    async run(context, { positionals: [id] }) {
      const provisioner = await context.tenants();
      const before = (await context.registry().findById(id))?.status;
      const tenant = await act(provisioner, id);
      if (context.output.jsonMode) {
        context.output.document({ tenant: tenantJson(tenant), previousStatus: before ?? null });
        return EXIT_OK;
      }
      context.output.out(
        before === tenant.status ? `${id} is already ${tenant.status}` : `${id}: ${before} → ${tenant.status}`,
      );
      return EXIT_OK;
    },
  };
}

export const suspendCommand = statusCommand(
  'suspend',
  'Take an active tenant out of service (its data stays)',
  'Marks an active tenant suspended: requests for it are refused from the next cache refresh. Its schema or ' +
    'database and data are kept; `activate` brings it back.',
  (provisioner, id) => provisioner.suspend(id),
);

export const activateCommand = statusCommand(
  'activate',
  'Bring a suspended tenant back, migrating it first',
  'Applies the migrations released while the tenant was out, then marks it active again. A migration failure ' +
    'leaves it suspended (exit 1).',
  (provisioner, id) => provisioner.activate(id),
);
