import { HttpStatus } from '@nestjs/common';
import type { TenantStatus } from '../store/tenant.interface';
import { TenancyError } from './tenancy.error';

/** The tenant exists but is not `active` (suspended, provisioning, failed, deleted). */
export class TenantInactiveError extends TenancyError {
  override readonly errorCode = 'TENANT_INACTIVE';

  constructor(
    readonly tenantId: string,
    readonly tenantStatus: TenantStatus,
  ) {
    super(`Tenant "${tenantId}" is ${tenantStatus}.`, HttpStatus.FORBIDDEN, 'TENANT_INACTIVE');
  }
}
