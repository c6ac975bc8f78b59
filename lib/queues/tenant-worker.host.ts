import { Inject } from '@nestjs/common';
import { WorkerHost } from '@nestjs/bullmq';
import type { Job, Worker } from 'bullmq';
import { TenantContext } from '../context/tenant-context.service';
import { MissingTenantError } from '../errors/missing-tenant.error';
import { TenancyError } from '../errors/tenancy.error';
import { jobTenantId, TENANT_JOB_DATA_KEY } from './tenant-job-data';
import { TenantJobRefusedError } from './tenant-job-refused.error';

// What TenantContext.run refuses at the door: the job is wrong, retrying cannot help.
// Anything else thrown before the job runs (the store unreachable) is retried as BullMQ's attempts say.
const REFUSALS = new Set([
  'TENANT_REQUIRED',
  'TENANT_ID_INVALID',
  'TENANT_NOT_FOUND',
  'TENANT_INACTIVE',
  'TENANT_MIGRATION_FAILED',
]);

/**
 * A `@Processor()` whose jobs run inside their tenant. Extend it instead of
 * `WorkerHost` and implement `processTenantJob` instead of `process`:
 *
 * ```ts
 * @Processor('emails')
 * export class EmailProcessor extends TenantWorkerHost {
 *   async processTenantJob(job: Job<{ userId: string }>) { ... }
 * }
 * ```
 *
 * For each job, `process` reads the tenant from `data.tenantId` (put there by
 * `TenancyQueuesModule` when the job was added inside a tenant), checks it as
 * the HTTP guard does (pattern, found, active: `TenantContext.run`), and runs
 * `processTenantJob` inside it, so `TenantPrisma`, repositories and
 * `TenantContext` act as that tenant, and jobs it adds carry the tenant on.
 * A job naming no tenant, a malformed, unknown or inactive one fails at once
 * with a `TenantJobRefusedError` (unrecoverable: no retries), and nothing of
 * it runs; override `refuse` to do otherwise (delay it, for example).
 */
export abstract class TenantWorkerHost<W extends Worker = Worker> extends WorkerHost<W> {
  // A property, not a constructor parameter: subclasses keep their own constructors.
  @Inject(TenantContext) private readonly tenantJobContext!: TenantContext;

  /**
   * Runs the job inside the tenant it names (see the class). Called by
   * `@nestjs/bullmq`; implement `processTenantJob` rather than overriding it.
   */
  async process(job: Job, token?: string): Promise<unknown> {
    const tenantId = jobTenantId(job);
    if (tenantId === undefined) {
      if (this.processWithoutTenant) return this.processWithoutTenant(job, token);
      return this.refuse(
        new TenantJobRefusedError(new MissingTenantError(`The job names no tenant (data.${TENANT_JOB_DATA_KEY}).`)),
        job,
        token,
      );
    }
    let entered = false;
    try {
      return await this.tenantJobContext.run(tenantId as string, () => {
        entered = true;
        return this.processTenantJob(job, token);
      });
    } catch (error) {
      // Errors of the job itself, tenancy errors included, are the job's to report as they are.
      if (entered || !(error instanceof TenancyError) || !REFUSALS.has(error.errorCode)) throw error;
      return this.refuse(new TenantJobRefusedError(error), job, token);
    }
  }

  /**
   * Processes one job inside its tenant: `TenantPrisma`, repositories,
   * `TenantContext` and queues act as the tenant the job names.
   */
  abstract processTenantJob(job: Job, token?: string): Promise<unknown>;

  /**
   * Implement it to process jobs that name no tenant (outside any tenant:
   * tenant-scoped queries fail with `MissingTenantError`, `TenantPrisma.shared`
   * works) instead of refusing them. A job that names a tenant never gets here,
   * even a malformed one. Default: none, such jobs are refused (`TENANT_REQUIRED`).
   */
  protected processWithoutTenant?(job: Job, token?: string): Promise<unknown>;

  /**
   * Called instead of processing when the job is refused; what it returns or
   * throws is what BullMQ records. Default: throws `error` (the job fails at
   * once with `failedReason` `<CODE>: <message>`). Override it to delay jobs of
   * suspended tenants instead, for example:
   *
   * ```ts
   * protected override async refuse(error: TenantJobRefusedError, job: Job, token?: string) {
   *   if (error.errorCode !== 'TENANT_INACTIVE') throw error;
   *   await job.moveToDelayed(Date.now() + 60_000, token);
   *   throw new DelayedError();
   * }
   * ```
   */
  protected refuse(error: TenantJobRefusedError, _job: Job, _token?: string): Promise<unknown> {
    return Promise.reject(error);
  }
}
