import type { StrategyProvisioning } from '../strategy-definition.interface';
import type { RlsProvisioningOptions } from './rls.options';
import { RlsStrategyProvisioner } from './rls.provisioner';

/** RLS provisioning: nothing to create, so nothing is required (a tenant is a registry row). */
export const rlsProvisioning: StrategyProvisioning<RlsProvisioningOptions> = {
  create: (given, common) => new RlsStrategyProvisioner(common.owner, given),
};
