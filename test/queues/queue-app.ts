import { Inject, type INestApplicationContext, type Type } from '@nestjs/common';
import { BullModule, getFlowProducerToken, getQueueToken, InjectQueue, OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import { DelayedError, type FlowProducer, type Job, type Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { PrismaClient } from '../fixtures/generated/client';
import { currentTenantId, TenancyModule, TenantContext, TenantPrisma, type TenancyModuleOptions } from '../../lib';
import { jobTenantId, TenancyQueuesModule, type TenantJobRefusedError, TenantWorkerHost } from '../../lib/queues';
import { TEST_TENANTS } from '../strategies/rls/rls-app';

/** What a processor run did: the tenant it ran in and the projects that tenant saw after its write. */
export interface JobRun {
  jobId: string;
  job: string;
  tenant: string | null;
  name: string;
  seen: string[];
}

/** A worker event as the `@OnWorkerEvent` handler saw it. */
export interface WorkerEventSeen {
  event: string;
  jobId: string;
  /** The tenant current in the handler. */
  tenant: string | null;
  /** The tenant the job names. */
  named: unknown;
  /** The failed event's error: its class and code. */
  error?: { name: string; errorCode?: string };
}

export interface QueueTestApp {
  app: INestApplicationContext;
  context: TenantContext;
  /** The queue of `TenantProcessor`, as `@InjectQueue` gives it. */
  queue: Queue;
  /** The queue of `MixedProcessor` (it processes jobs naming no tenant). */
  openQueue: Queue;
  /** The queue of `DelayingProcessor` (it delays jobs of inactive tenants). */
  delayQueue: Queue;
  flows: FlowProducer;
  queueName: string;
  runs: JobRun[];
  events: WorkerEventSeen[];
  close(): Promise<void>;
}

const REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * The processors, on queues named per run (the decorator needs the name when
 * the class is made). `create` writes a project named by the job and records
 * what its tenant sees; `chain` does the same and then adds a `create` job
 * through the injected queue, with no tenant code.
 */
function processors(queueName: string, openQueueName: string): Type[] {
  @Processor(queueName, { concurrency: 8 })
  class TenantProcessor extends TenantWorkerHost {
    constructor(
      private readonly prisma: TenantPrisma<PrismaClient>,
      @InjectQueue(queueName) private readonly queue: Queue,
      @Inject('RUNS') private readonly runs: JobRun[],
      @Inject('EVENTS') private readonly events: WorkerEventSeen[],
    ) {
      super();
    }

    async processTenantJob(job: Job<{ name: string }>): Promise<string> {
      const tenant = currentTenantId() ?? null;
      await this.prisma.client.project.create({ data: { name: job.data.name } });
      const seen = (await this.prisma.client.project.findMany({ select: { name: true } })).map((p) => p.name);
      this.runs.push({ jobId: String(job.id), job: job.name, tenant, name: job.data.name, seen });
      if (job.name === 'chain') await this.queue.add('create', { name: `${job.data.name}-next` });
      return tenant ?? 'none';
    }

    @OnWorkerEvent('completed')
    onCompleted(job: Job): void {
      this.events.push({
        event: 'completed',
        jobId: String(job.id),
        tenant: currentTenantId() ?? null,
        named: jobTenantId(job),
      });
    }

    @OnWorkerEvent('failed')
    onFailed(job: Job | undefined, error: Error & { errorCode?: string }): void {
      if (!job) return;
      const seen = {
        event: 'failed',
        jobId: String(job.id),
        tenant: currentTenantId() ?? null,
        named: jobTenantId(job),
      };
      this.events.push({ ...seen, error: { name: error.name, errorCode: error.errorCode } });
    }
  }

  @Processor(openQueueName)
  class MixedProcessor extends TenantWorkerHost {
    constructor(@Inject('RUNS') private readonly runs: JobRun[]) {
      super();
    }

    processTenantJob(job: Job<{ name: string }>): Promise<string> {
      this.runs.push({
        jobId: String(job.id),
        job: 'tenant',
        tenant: currentTenantId() ?? null,
        name: job.data.name,
        seen: [],
      });
      return Promise.resolve('tenant');
    }

    protected override processWithoutTenant(job: Job<{ name: string }>): Promise<string> {
      this.runs.push({
        jobId: String(job.id),
        job: 'open',
        tenant: currentTenantId() ?? null,
        name: job.data.name,
        seen: [],
      });
      return Promise.resolve('open');
    }
  }
  // As docs/queues.md shows: jobs of inactive tenants wait instead of failing.
  @Processor(`delay-${openQueueName}`)
  class DelayingProcessor extends TenantWorkerHost {
    constructor(@Inject('RUNS') private readonly runs: JobRun[]) {
      super();
    }

    processTenantJob(job: Job<{ name: string }>): Promise<string> {
      this.runs.push({
        jobId: String(job.id),
        job: 'delaying',
        tenant: currentTenantId() ?? null,
        name: job.data.name,
        seen: [],
      });
      return Promise.resolve('ran');
    }

    protected override async refuse(error: TenantJobRefusedError, job: Job, token?: string): Promise<never> {
      if (error.errorCode !== 'TENANT_INACTIVE') throw error;
      await job.moveToDelayed(Date.now() + 3_600_000, token);
      throw new DelayedError();
    }
  }
  return [TenantProcessor, MixedProcessor, DelayingProcessor];
}

/**
 * A Nest application context with the package on the test database (RLS
 * unless `tenancy` says otherwise), `@nestjs/bullmq` on the local Redis under
 * a prefix of its own (parallel jest workers never share a key), two queues
 * and a flow producer, and `TenancyQueuesModule`.
 */
export async function bootQueueApp(
  databaseUrl: string,
  tenancy: Partial<TenancyModuleOptions<PrismaClient>> = {},
): Promise<QueueTestApp> {
  const run = randomBytes(5).toString('hex');
  const prefix = `tenancy-test-${run}`;
  const queueName = `projects-${run}`;
  const openQueueName = `open-${run}`;
  const runs: JobRun[] = [];
  const events: WorkerEventSeen[] = [];
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: TEST_TENANTS,
        sharedModels: ['Plan'],
        ...tenancy,
      }),
      BullModule.forRoot({ connection: REDIS, prefix }),
      BullModule.registerQueue({ name: queueName }, { name: openQueueName }, { name: `delay-${openQueueName}` }),
      BullModule.registerFlowProducer({ name: 'flows' }),
      TenancyQueuesModule,
    ],
    providers: [
      ...processors(queueName, openQueueName),
      { provide: 'RUNS', useValue: runs },
      { provide: 'EVENTS', useValue: events },
    ],
  }).compile();
  const app = await moduleRef.init();
  const queue = app.get<Queue>(getQueueToken(queueName));
  const openQueue = app.get<Queue>(getQueueToken(openQueueName));
  const delayQueue = app.get<Queue>(getQueueToken(`delay-${openQueueName}`));
  return {
    app,
    context: app.get(TenantContext),
    queue,
    openQueue,
    delayQueue,
    flows: app.get<FlowProducer>(getFlowProducerToken('flows')),
    queueName,
    runs,
    events,
    close: async () => {
      // Leaves nothing behind in Redis.
      await Promise.allSettled([queue, openQueue, delayQueue].map((q) => q.obliterate({ force: true })));
      await app.close();
    },
  };
}

/** Polls `check` until it holds; generous, for a loaded machine. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The job once BullMQ has settled it (completed or failed), read after it settled. */
export async function settled(queue: Queue, id: string | undefined): Promise<Job> {
  await eventually(async () => {
    const state = await queue.getJobState(String(id));
    return state === 'completed' || state === 'failed';
  }, `job ${id} to settle`);
  return (await queue.getJob(String(id)))!;
}
