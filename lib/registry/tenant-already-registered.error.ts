import { HttpStatus } from '@nestjs/common';
import { TenancyError } from '../errors/tenancy.error';

/** `create()` was given an id the registry already holds (in any status, `deleted` included). */
export class TenantAlreadyRegisteredError extends TenancyError {
  override readonly errorCode = 'TENANT_ALREADY_REGISTERED';

  constructor(readonly tenantId: string) {
    super(`Tenant "${tenantId}" is already registered.`, HttpStatus.CONFLICT, 'TENANT_ALREADY_REGISTERED');
  }
}
