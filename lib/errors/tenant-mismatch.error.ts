import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * A query named a tenant other than the current one in the tenant field (in a
 * unique filter or in written data). Refused rather than silently rewritten:
 * it is almost always a bug, and rewriting would hide it.
 */
export class TenantMismatchError extends TenancyError {
  override readonly errorCode = 'TENANT_MISMATCH';

  constructor(field: string, message = `The query sets "${field}" to another tenant than the current one.`) {
    super(message, HttpStatus.FORBIDDEN, 'TENANT_MISMATCH');
  }
}
