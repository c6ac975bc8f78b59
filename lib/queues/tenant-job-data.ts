import { currentTenantId } from '../context/current-tenant-id';
import { TenantMismatchError } from '../errors/tenant-mismatch.error';

/**
 * The field of a job's `data` that names its tenant. Data, not `opts`: it is
 * the one part of a job every BullMQ backend, retry, flow child and job
 * scheduler template stores and hands back as it was given.
 */
export const TENANT_JOB_DATA_KEY = 'tenantId';

function isRecord(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

/**
 * The tenant id a job names in `data.tenantId`, as it was stored (not
 * validated: a processor checks it), or `undefined` when it names none. For
 * `@OnWorkerEvent` handlers and logs, which run outside the job's tenant.
 */
export function jobTenantId(job: { data?: unknown }): unknown {
  return isRecord(job.data) ? job.data[TENANT_JOB_DATA_KEY] : undefined;
}

/**
 * `data` with the current tenant's id under `tenantId`: a copy, the caller's
 * object is never changed. Outside a tenant, `data` as it is. A tenant the
 * data already names is kept when it is the current one (or when there is
 * none) and refused with `TenantMismatchError` otherwise: data passed on from
 * a request body must not enqueue work for another tenant.
 * @internal
 */
export function withJobTenant<T>(data: T): T {
  const current = currentTenantId();
  if (isRecord(data)) {
    const named = data[TENANT_JOB_DATA_KEY];
    if (named !== undefined) {
      if (current !== undefined && named !== current)
        throw new TenantMismatchError(
          TENANT_JOB_DATA_KEY,
          `The job's data.${TENANT_JOB_DATA_KEY} names another tenant than the current one; enqueue it inside TenantContext.run() of that tenant instead.`,
        );
      return data;
    }
    return current === undefined ? data : ({ ...data, [TENANT_JOB_DATA_KEY]: current } as T);
  }
  if (current === undefined) return data;
  if (data === undefined) return { [TENANT_JOB_DATA_KEY]: current } as T;
  throw new TypeError(
    `nestjs-prisma-tenancy: a job added inside a tenant carries the tenant in data.${TENANT_JOB_DATA_KEY}, so its data must be an object (or undefined); got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`}.`,
  );
}
