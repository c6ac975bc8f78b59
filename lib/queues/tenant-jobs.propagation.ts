import { FlowProducer, Queue, type FlowJob } from 'bullmq';
import { withJobTenant } from './tenant-job-data';

// Marks a queue or flow producer already wrapped: wrapping twice is harmless but wasteful.
const WRAPPED = Symbol.for('nestjs-prisma-tenancy:jobs-carry-tenant');

type Method = (...args: any[]) => unknown;
type Target = Record<PropertyKey, unknown>;

// Own properties shadowing the prototype's methods, on this instance only:
// other queues of the app, and the Queue class, stay as they were.
function wrap(target: Target, name: string, mapArgs: (args: unknown[]) => unknown[]): void {
  const original = target[name] as Method | undefined;
  if (typeof original !== 'function') return;
  Object.defineProperty(target, name, {
    configurable: true,
    writable: true,
    value: function (this: unknown, ...args: unknown[]) {
      let mapped: unknown[];
      try {
        mapped = mapArgs(args);
      } catch (error) {
        // The methods are async: a refusal is a rejection, as BullMQ's own errors are, never a throw.
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return original.apply(this, mapped);
    },
  });
}

function withFlowTenant(flow: FlowJob): FlowJob {
  return {
    ...flow,
    data: withJobTenant(flow.data),
    ...(flow.children ? { children: flow.children.map(withFlowTenant) } : {}),
  };
}

/**
 * Makes every job added through this queue (or flow producer) from inside a
 * tenant carry the tenant in `data.tenantId`, where `TenantWorkerHost` reads
 * it: `add`, `addBulk`, `upsertJobScheduler`'s template, and a flow's jobs
 * with all their children. Outside a tenant, jobs are added as given. A job
 * whose data already names another tenant than the current one is refused
 * with `TenantMismatchError` (a bulk or a flow as a whole, before anything is
 * added). `TenancyQueuesModule` does this for every queue and flow producer
 * the app registers with `@nestjs/bullmq`; call it yourself for a `Queue` you
 * create with `new`. Returns the same object.
 */
export function propagateTenantToJobs<T extends Queue | FlowProducer>(target: T): T {
  const own = target as unknown as Target;
  if (own[WRAPPED]) return target;
  if (target instanceof Queue) {
    // add() calls addJob(): both are wrapped, so a subclass overriding either still carries the tenant.
    const single = (args: unknown[]) => [args[0], withJobTenant(args[1]), ...args.slice(2)];
    wrap(own, 'add', single);
    wrap(own, 'addJob', single);
    wrap(own, 'addBulk', ([jobs, ...rest]) => [
      (jobs as { data?: unknown }[]).map((job) => ({ ...job, data: withJobTenant(job.data) })),
      ...rest,
    ]);
    wrap(own, 'upsertJobScheduler', ([id, repeat, template, ...rest]) => [
      id,
      repeat,
      { ...(template as object | undefined), data: withJobTenant((template as { data?: unknown } | undefined)?.data) },
      ...rest,
    ]);
  } else if (target instanceof FlowProducer) {
    wrap(own, 'add', ([flow, ...rest]) => [withFlowTenant(flow as FlowJob), ...rest]);
    wrap(own, 'addBulk', ([flows, ...rest]) => [(flows as FlowJob[]).map(withFlowTenant), ...rest]);
  } else {
    throw new TypeError('nestjs-prisma-tenancy: propagateTenantToJobs() takes a bullmq Queue or FlowProducer');
  }
  Object.defineProperty(own, WRAPPED, { value: true });
  return target;
}
