import { UnrecoverableError } from 'bullmq';
import {
  type InMemoryTenantStore,
  TenantCache,
  TenantInactiveError,
  TenantMismatchError,
  TenantStore,
} from '../../lib';
import { TenantJobRefusedError } from '../../lib/queues';
import { createTestDatabase, withClient, type TestDatabase } from '../support';
import { createSchemaTenantsDatabase } from '../strategies/schema/schema-tenants';
import { bootQueueApp, eventually, settled, type JobRun, type QueueTestApp } from './queue-app';

// Generous: jobs go through Redis and PostgreSQL on a possibly loaded machine.
jest.setTimeout(60_000);

/** Names of the projects each tenant owns, read as the superuser (bypassing RLS). */
async function rowsByTenant(db: TestDatabase, tenantIds: string[], schemas = false): Promise<Map<string, string[]>> {
  return withClient(db.adminUrl, async (c) => {
    const result = new Map<string, string[]>();
    for (const id of tenantIds) {
      const { rows } = schemas
        ? await c.query<{ name: string }>(`SELECT name FROM "tenant_${id}".projects ORDER BY name`)
        : await c.query<{ name: string }>('SELECT name FROM projects WHERE tenant_id = $1 ORDER BY name', [id]);
      result.set(
        id,
        rows.map((r) => r.name),
      );
    }
    return result;
  });
}

/** The run ran in `tenant` and saw only that tenant's rows. */
function expectOwn(run: JobRun, tenant: string): void {
  expect(run.tenant).toBe(tenant);
  expect(run.name.startsWith(`${tenant}-`)).toBe(true);
  expect(run.seen).toContain(run.name);
  for (const name of run.seen) expect(name.startsWith(`${tenant}-`)).toBe(true);
}

/** Two tenants enqueuing interleaved jobs, all at once, each inside its own tenant and with no tenant in the data. */
async function enqueueInterleaved(t: QueueTestApp, tag: string, count: number, tenants = ['t0', 't1']): Promise<void> {
  await Promise.all(
    Array.from({ length: count * tenants.length }, (_, i) => {
      const tenant = tenants[i % tenants.length];
      return t.context.run(tenant, () => t.queue.add('create', { name: `${tenant}-${tag}-${i}` }));
    }),
  );
}

describe('BullMQ queues (RLS strategy, real Redis)', () => {
  let db: TestDatabase;
  let t: QueueTestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootQueueApp(db.appUrl);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs each job in the tenant that enqueued it: two tenants, interleaved, processed concurrently', async () => {
    await enqueueInterleaved(t, 'job', 12);
    await eventually(() => t.runs.filter((r) => r.name.includes('-job-')).length === 24, '24 jobs');
    for (const run of t.runs.filter((r) => r.name.includes('-job-'))) expectOwn(run, run.name.slice(0, 2));
    const rows = await rowsByTenant(db, ['t0', 't1']);
    for (const [tenant, names] of rows) {
      expect(names.filter((n) => n.includes('-job-'))).toHaveLength(12);
      for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
    }
  });

  it('stores the tenant in data.tenantId, on a copy: the caller’s data is untouched', async () => {
    const data = { name: 't2-copy' };
    const job = await t.context.run('t2', () => t.queue.add('create', data));
    expect(data).toEqual({ name: 't2-copy' });
    expect(job.data).toEqual({ name: 't2-copy', tenantId: 't2' });
    expect((await t.queue.getJob(job.id!))?.data).toEqual({ name: 't2-copy', tenantId: 't2' });
    expect((await settled(t.queue, job.id)).returnvalue).toBe('t2');
  });

  it('keeps the tenant through a chain: a job added by a processor runs in the same tenant', async () => {
    await Promise.all(
      ['t3', 't4', 't3', 't4'].map((tenant, i) =>
        t.context.run(tenant, () => t.queue.add('chain', { name: `${tenant}-chain-${i}` })),
      ),
    );
    await eventually(() => t.runs.filter((r) => r.name.includes('-chain-')).length === 8, '4 chains of 2 jobs');
    const chained = t.runs.filter((r) => r.name.includes('-chain-'));
    expect(chained.filter((r) => r.name.endsWith('-next'))).toHaveLength(4);
    for (const run of chained) expectOwn(run, run.name.slice(0, 2));
  });

  it('carries the tenant on addBulk and on every job of a flow', async () => {
    await t.context.run('t5', () =>
      t.queue.addBulk([0, 1, 2].map((i) => ({ name: 'create', data: { name: `t5-bulk-${i}` } }))),
    );
    await t.context.run('t6', () =>
      t.flows.add({
        name: 'create',
        queueName: t.queueName,
        data: { name: 't6-flow-parent' },
        children: [0, 1].map((i) => ({ name: 'create', queueName: t.queueName, data: { name: `t6-flow-child-${i}` } })),
      }),
    );
    await eventually(() => t.runs.filter((r) => /-(bulk|flow)-/.test(r.name)).length === 6, 'the bulk and the flow');
    for (const run of t.runs.filter((r) => /-(bulk|flow)-/.test(r.name))) expectOwn(run, run.name.slice(0, 2));
  });

  it('carries the tenant into the jobs of a job scheduler upserted inside a tenant', async () => {
    await t.context.run('t4', () =>
      t.queue.upsertJobScheduler('sched-t4', { every: 3_600_000 }, { name: 'create', data: { name: 't4-sched' } }),
    );
    try {
      expect((await t.queue.getJobScheduler('sched-t4'))?.template?.data).toEqual({ name: 't4-sched', tenantId: 't4' });
      await eventually(() => t.runs.some((r) => r.name === 't4-sched'), "the scheduler's first job");
      expectOwn(
        t.runs.find((r) => r.name === 't4-sched')!,
        't4',
      );
    } finally {
      await t.queue.removeJobScheduler('sched-t4');
    }
  });

  it('refuses data naming another tenant than the current one, adding nothing', async () => {
    const before = await t.queue.count();
    await expect(
      t.context.run('t0', () => t.queue.add('create', { tenantId: 't1', name: 't1-smuggled' })),
    ).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(
      t.context.run('t0', () =>
        t.queue.addBulk([
          { name: 'create', data: { name: 't0-fine' } },
          { name: 'create', data: { tenantId: 't1', name: 't1-smuggled' } },
        ]),
      ),
    ).rejects.toMatchObject({ errorCode: 'TENANT_MISMATCH' });
    // A rejection, not a throw: callers chaining .catch() see it.
    const direct = await t.context.run('t0', () => {
      const added = t.queue.add('create', { tenantId: 't1', name: 't1-smuggled' });
      return added.then(
        () => 'added',
        (error: unknown) => error,
      );
    });
    expect(direct).toBeInstanceOf(TenantMismatchError);
    expect(await t.queue.count()).toBe(before);
    // The same tenant named explicitly is fine.
    const same = await t.context.run('t7', () => t.queue.add('create', { tenantId: 't7', name: 't7-explicit' }));
    expect((await settled(t.queue, same.id)).returnvalue).toBe('t7');
  });

  it('refuses data that cannot carry the tenant inside a tenant (a string, an array, null)', async () => {
    for (const data of ['text', ['t0'], null])
      await expect(t.context.run('t0', () => t.queue.add('create', data as never))).rejects.toThrow(TypeError);
  });

  it('adds jobs as given outside a tenant: an explicit tenant is kept and processed in that tenant', async () => {
    const job = await t.queue.add('create', { tenantId: 't8', name: 't8-explicit-outside' });
    expect(job.data).toEqual({ tenantId: 't8', name: 't8-explicit-outside' });
    expect((await settled(t.queue, job.id)).returnvalue).toBe('t8');
    expectOwn(
      t.runs.find((r) => r.name === 't8-explicit-outside')!,
      't8',
    );
  });

  it.each([
    { label: 'no tenant', data: { name: 'refused-missing' }, code: 'TENANT_REQUIRED', status: 400 },
    {
      label: 'a malformed id',
      data: { tenantId: 'Bad Id!', name: 'refused-malformed' },
      code: 'TENANT_ID_INVALID',
      status: 400,
    },
    { label: 'a number', data: { tenantId: 5, name: 'refused-number' }, code: 'TENANT_ID_INVALID', status: 400 },
    { label: 'null', data: { tenantId: null, name: 'refused-null' }, code: 'TENANT_ID_INVALID', status: 400 },
    {
      label: 'an unknown tenant',
      data: { tenantId: 'nobody', name: 'refused-unknown' },
      code: 'TENANT_NOT_FOUND',
      status: 404,
    },
    {
      label: 'a suspended tenant',
      data: { tenantId: 'suspended1', name: 'refused-suspended' },
      code: 'TENANT_INACTIVE',
      status: 403,
    },
    {
      label: 'a provisioning tenant',
      data: { tenantId: 'provisioning1', name: 'refused-provisioning' },
      code: 'TENANT_INACTIVE',
      status: 403,
    },
  ])('fails a job naming $label at once ($code), without running it or retrying', async ({ data, code }) => {
    const added = await t.queue.add('create', data, { attempts: 3, backoff: 0 });
    const job = await settled(t.queue, added.id);
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason.startsWith(`${code}: `)).toBe(true);
    expect(job.attemptsMade).toBeLessThanOrEqual(1);
    expect(t.runs.some((r) => r.name === data.name)).toBe(false);
    const written = await withClient(db.adminUrl, (c) =>
      c.query('SELECT 1 FROM projects WHERE name = $1', [data.name]),
    );
    expect(written.rowCount).toBe(0);
  });

  it('gives the failed event a TenantJobRefusedError, outside any tenant', async () => {
    const added = await t.queue.add('create', { tenantId: 'suspended1', name: 'refused-event' });
    await settled(t.queue, added.id);
    await eventually(() => t.events.some((e) => e.event === 'failed' && e.jobId === added.id), 'the failed event');
    expect(t.events.find((e) => e.jobId === added.id)).toEqual({
      event: 'failed',
      jobId: added.id,
      tenant: null,
      named: 'suspended1',
      error: { name: 'TenantJobRefusedError', errorCode: 'TENANT_INACTIVE' },
    });
    const refused = new TenantJobRefusedError(new TenantInactiveError('acme', 'suspended'));
    expect(refused).toBeInstanceOf(UnrecoverableError);
    expect(refused).toMatchObject({ errorCode: 'TENANT_INACTIVE', statusCode: 403 });
    expect(refused.cause).toBe(refused.reason);
  });

  it('runs @OnWorkerEvent handlers outside the job’s tenant: they never see a tenant, their own or another', async () => {
    await enqueueInterleaved(t, 'evt', 4, ['t2', 't3']);
    await eventually(() => t.runs.filter((r) => r.name.includes('-evt-')).length === 8, '8 jobs');
    const ids = new Set(t.runs.filter((r) => r.name.includes('-evt-')).map((r) => r.jobId));
    await eventually(() => t.events.filter((e) => ids.has(e.jobId)).length === 8, '8 completed events');
    for (const event of t.events.filter((e) => ids.has(e.jobId))) {
      expect(event.event).toBe('completed');
      expect(event.tenant).toBeNull();
      expect(['t2', 't3']).toContain(event.named);
    }
  });

  it('hands jobs naming no tenant to processWithoutTenant when the processor has it; the others run in their tenant', async () => {
    const open = await t.openQueue.add('any', { name: 'open-job' });
    const tenanted = await t.context.run('t9', () => t.openQueue.add('any', { name: 't9-open-queue' }));
    const bad = await t.openQueue.add('any', { tenantId: 'Bad Id!', name: 'open-bad' });
    expect((await settled(t.openQueue, open.id)).returnvalue).toBe('open');
    expect((await settled(t.openQueue, tenanted.id)).returnvalue).toBe('tenant');
    const refused = await settled(t.openQueue, bad.id);
    expect(refused.failedReason).toMatch(/^TENANT_ID_INVALID: /);
    expect(t.runs.find((r) => r.name === 'open-job')).toMatchObject({ job: 'open', tenant: null });
    expect(t.runs.find((r) => r.name === 't9-open-queue')).toMatchObject({ job: 'tenant', tenant: 't9' });
  });

  it('delays jobs of inactive tenants when refuse() is overridden to, and still fails the others', async () => {
    const suspended = await t.delayQueue.add('any', { tenantId: 'suspended1', name: 'delayed-suspended' });
    const unknown = await t.delayQueue.add('any', { tenantId: 'nobody', name: 'delayed-unknown' });
    const active = await t.context.run('t1', () => t.delayQueue.add('any', { name: 't1-delaying' }));
    expect((await settled(t.delayQueue, unknown.id)).failedReason).toMatch(/^TENANT_NOT_FOUND: /);
    expect((await settled(t.delayQueue, active.id)).returnvalue).toBe('ran');
    await eventually(async () => (await t.delayQueue.getJobState(String(suspended.id))) === 'delayed', 'the delay');
    const job = (await t.delayQueue.getJob(String(suspended.id)))!;
    expect(job.failedReason).toBeFalsy();
    expect(job.delay).toBeGreaterThan(0);
    expect(t.runs.some((r) => r.name.startsWith('delayed-'))).toBe(false);
  });

  it('fails a job whose tenant was suspended after it was added: the status is checked when it runs', async () => {
    const store = t.app.get<InMemoryTenantStore>(TenantStore);
    // Delayed well past the suspension below, which takes no I/O.
    const job = await t.context.run('t9', () => t.queue.add('create', { name: 't9-late' }, { delay: 5_000 }));
    store.set({ id: 't9', status: 'suspended' });
    t.app.get(TenantCache).invalidate('t9');
    try {
      const failed = await settled(t.queue, job.id);
      expect(failed.failedReason).toBe('TENANT_INACTIVE: Tenant "t9" is suspended.');
      expect(t.runs.some((r) => r.name === 't9-late')).toBe(false);
    } finally {
      store.set({ id: 't9', status: 'active' });
      t.app.get(TenantCache).invalidate('t9');
    }
  });
});

describe('BullMQ queues on the schema strategy', () => {
  let db: TestDatabase;
  let t: QueueTestApp;

  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(['t0', 't1']);
    t = await bootQueueApp(db.appUrl, { strategy: 'schema', strategies: ['schema'] });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs each job in its tenant’s schema: two tenants, interleaved, with chains', async () => {
    await enqueueInterleaved(t, 'job', 8);
    await Promise.all(
      ['t0', 't1'].map((tenant) => t.context.run(tenant, () => t.queue.add('chain', { name: `${tenant}-chain` }))),
    );
    await eventually(() => t.runs.length === 20, '20 jobs');
    for (const run of t.runs) expectOwn(run, run.name.slice(0, 2));
    const rows = await rowsByTenant(db, ['t0', 't1'], true);
    for (const [tenant, names] of rows) {
      expect(names).toHaveLength(10);
      for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
    }
  });
});
