import { UnrecoverableError } from 'bullmq';
import type { TenancyError } from '../errors/tenancy.error';

/**
 * A processor extending `TenantWorkerHost` refused a job before running it:
 * the job names no tenant (`TENANT_REQUIRED`), a malformed id
 * (`TENANT_ID_INVALID`), an unknown tenant (`TENANT_NOT_FOUND`), one that is
 * not active (`TENANT_INACTIVE`) or whose last migration failed
 * (`TENANT_MIGRATION_FAILED`). An `UnrecoverableError`: BullMQ fails the job
 * at once, without spending its remaining attempts. The job's `failedReason`
 * is the message, which starts with the code (`TENANT_INACTIVE: Tenant "acme" is suspended.`).
 */
export class TenantJobRefusedError extends UnrecoverableError {
  /** The code of the refusal, as on HTTP bodies (`TENANT_INACTIVE`, ...). */
  readonly errorCode: string;
  /** The HTTP status the same refusal gets on a request (400, 403, 404). */
  readonly statusCode: number;

  constructor(
    /** The package's error the refusal stands for (`TenantInactiveError`, ...). */
    readonly reason: TenancyError,
  ) {
    super(`${reason.errorCode}: ${reason.message}`);
    this.name = 'TenantJobRefusedError';
    this.errorCode = reason.errorCode;
    this.statusCode = reason.getStatus();
    this.cause = reason;
  }
}
