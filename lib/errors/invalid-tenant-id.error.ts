import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * A tenant id does not match the configured pattern. The offending value is
 * deliberately not echoed back: it may be an injection attempt or huge.
 */
export class InvalidTenantIdError extends TenancyError {
  override readonly errorCode = 'TENANT_ID_INVALID';

  constructor(message = 'The tenant id is malformed.') {
    super(message, HttpStatus.BAD_REQUEST, 'TENANT_ID_INVALID');
  }
}
