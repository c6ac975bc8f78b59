import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * The tenant's database cannot be reached now (down, unreachable, or the
 * connection budget is exhausted). Answered with 503 so clients retry; other
 * tenants are not affected.
 */
export class TenantUnavailableError extends TenancyError {
  override readonly errorCode = 'TENANT_UNAVAILABLE';

  constructor(
    readonly tenantId: string,
    reason: string,
  ) {
    super(
      `Tenant "${tenantId}" is temporarily unavailable: ${reason}`,
      HttpStatus.SERVICE_UNAVAILABLE,
      'TENANT_UNAVAILABLE',
    );
  }
}
