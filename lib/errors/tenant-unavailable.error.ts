import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * The tenant's database cannot be reached now (down, unreachable, or the
 * connection budget is exhausted). Answered with 503 so clients retry; other
 * tenants are not affected.
 */
export class TenantUnavailableError extends TenancyError {
  override readonly errorCode: string = 'TENANT_UNAVAILABLE';

  constructor(
    readonly tenantId: string,
    reason: string,
    /** The body's `error`, for subclasses with a code of their own. Default: `TENANT_UNAVAILABLE`. */
    code = 'TENANT_UNAVAILABLE',
  ) {
    super(`Tenant "${tenantId}" is temporarily unavailable: ${reason}`, HttpStatus.SERVICE_UNAVAILABLE, code);
  }
}
