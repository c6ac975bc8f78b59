// nestjs-prisma-tenancy/queues: tenant-aware BullMQ (@nestjs/bullmq). A subpath
// of its own because it loads the optional peers bullmq and @nestjs/bullmq.

export { TenancyQueuesModule } from './tenancy-queues.module';
export { TenantWorkerHost } from './tenant-worker.host';
export { TenantJobRefusedError } from './tenant-job-refused.error';
export { propagateTenantToJobs } from './tenant-jobs.propagation';
export { TENANT_JOB_DATA_KEY, jobTenantId } from './tenant-job-data';
