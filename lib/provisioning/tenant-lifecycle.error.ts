import { HttpStatus } from '@nestjs/common';
import { TenancyError } from '../errors/tenancy.error';
import type { TenantStatus } from '../store/tenant.interface';
import type { TenantLifecycleOperation } from './tenant-lifecycle.events';

/** Why a lifecycle operation was refused. */
export type TenantLifecycleConflict = 'status' | 'mismatch' | 'busy';

/**
 * A lifecycle operation does not fit the tenant as it is: its status does not
 * allow it (`status`), the input contradicts its record (`mismatch`), or
 * another process held the tenant for longer than `lockTimeoutMs` (`busy`).
 * Answered with 409 when it escapes a request.
 */
export class TenantLifecycleError extends TenancyError {
  override readonly errorCode = 'TENANT_LIFECYCLE_CONFLICT';

  constructor(
    readonly tenantId: string,
    readonly operation: TenantLifecycleOperation,
    readonly reason: TenantLifecycleConflict,
    detail: string,
    /** The tenant's status when refused, if known. */
    readonly tenantStatus?: TenantStatus,
  ) {
    super(`Cannot ${operation} tenant "${tenantId}": ${detail}`, HttpStatus.CONFLICT, 'TENANT_LIFECYCLE_CONFLICT');
  }
}
