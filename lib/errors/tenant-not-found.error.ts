import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/** The tenant id is well-formed but the tenant store does not know it. */
export class TenantNotFoundError extends TenancyError {
  override readonly errorCode = 'TENANT_NOT_FOUND';

  constructor(readonly tenantId: string) {
    super(`Tenant "${tenantId}" was not found.`, HttpStatus.NOT_FOUND, 'TENANT_NOT_FOUND');
  }
}
