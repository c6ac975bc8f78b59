import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * No tenant is set where one is required: a request that named none, or a
 * query run outside any tenant context. Queries fail with this error instead
 * of running unscoped.
 */
export class MissingTenantError extends TenancyError {
  override readonly errorCode = 'TENANT_REQUIRED';

  constructor(message = 'No tenant in context: this operation needs a tenant.') {
    super(message, HttpStatus.BAD_REQUEST, 'TENANT_REQUIRED');
  }
}
