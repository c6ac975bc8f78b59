import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * The tenant's record cannot be served as it is: an unsafe schema name, a bad
 * connection string, a strategy the app did not enable. Raised when the
 * tenant's client is first built, before anything is created, so no
 * half-built client is left behind. The message is for operators; the HTTP
 * answer is a plain 500 body without details of the record.
 */
export class TenantMisconfiguredError extends TenancyError {
  override readonly errorCode = 'TENANT_MISCONFIGURED';

  constructor(
    readonly tenantId: string,
    readonly detail: string,
  ) {
    super(`Tenant "${tenantId}" is misconfigured: ${detail}`, HttpStatus.INTERNAL_SERVER_ERROR, 'TENANT_MISCONFIGURED');
  }

  override getResponse(): object {
    return { statusCode: 500, error: this.errorCode, message: `Tenant "${this.tenantId}" cannot be served.` };
  }
}
