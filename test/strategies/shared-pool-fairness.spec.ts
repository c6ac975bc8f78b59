import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { PrismaClient } from '../fixtures/generated/client';
import {
  TenancyModule,
  TenantContext,
  TenantPrisma,
  TenantUnavailableError,
  type TenancyModuleOptions,
} from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';
import { createSchemaTenantsDatabase } from './schema/schema-tenants';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';

// Hole 9: in the strategies with one pg pool for all tenants, one tenant's slow
// work could hold every connection while the others waited without a deadline.
const A = 'fa';
const B = 'fb';
const TENANTS = [A, B].map((id) => ({ id, status: 'active' as const }));

@Controller()
class CountController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}
  @Get('count') async count() {
    return { count: await this.prisma.client.project.count() };
  }
  @Get('raw') async raw() {
    const [{ one }] = await this.prisma.client.$queryRaw<{ one: number }[]>`SELECT 1::int AS one`;
    return { one };
  }
}

interface FairApp {
  app: INestApplication;
  /** Runs `fn` as `tenantId` with its client, in process. */
  as<T>(tenantId: string, fn: (db: PrismaClient) => Promise<T>): Promise<T>;
}

/** Polls until `condition` holds; the limit is for a hang only. */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(['rls', 'schema'] as const)('shared pool fair share (%s strategy)', (strategy) => {
  let db: TestDatabase;
  let t: FairApp | undefined;
  const gates: Array<() => void> = [];

  beforeAll(async () => {
    db = strategy === 'rls' ? await createTestDatabase() : await createSchemaTenantsDatabase([A, B]);
  }, 300_000);
  afterEach(async () => {
    // A failed assertion must not leave transactions holding connections (close() would wait on them).
    for (const open of gates.splice(0)) open();
    const app = t;
    t = undefined;
    await app?.app.close();
  }, 120_000);
  afterAll(async () => db?.drop(), 120_000);

  async function boot(options: Partial<TenancyModuleOptions<PrismaClient>>): Promise<FairApp> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy,
          strategies: [strategy],
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: TENANTS,
          sharedModels: ['Plan'],
          clientPool: { max: 10, idleTtlMs: 0 },
          ...options,
        }),
      ],
      controllers: [CountController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const context = app.get(TenantContext);
    const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);
    t = { app, as: (tenantId, fn) => context.run(tenantId, () => fn(prisma.client)) };
    return t;
  }

  /** Starts `n` transactions of `tenantId` that each hold a connection (a slow query's worth) until released. */
  function hold(app: FairApp, tenantId: string, n: number) {
    let open!: () => void;
    const release = new Promise<void>((resolve) => (open = resolve));
    gates.push(open);
    let entered = 0;
    const done = Array.from({ length: n }, () =>
      app.as(tenantId, (p) =>
        p.$transaction(
          async (tx) => {
            await tx.$queryRaw`SELECT pg_sleep(0.01)::text`;
            entered++;
            await release;
          },
          { timeout: 120_000, maxWait: 60_000 },
        ),
      ),
    );
    return { entered: () => entered, release: open, done: Promise.allSettled(done) };
  }

  it('with sharedPool.tenantMax, one tenant holding its cap in slow transactions leaves connections for the others', async () => {
    const app = await boot({ pool: { max: 3 }, sharedPool: { tenantMax: 2, waitMs: 60_000 } });
    // Four transactions of A: two get connections, two wait for A's own.
    const a = hold(app, A, 4);
    await until(() => a.entered() === 2, 'A holds its cap of two connections');
    // B is served at once, in process and over HTTP, by the plain-read path and the raw (connect) path.
    expect(await app.as(B, (p) => p.project.count())).toEqual(expect.any(Number));
    expect(await app.as(B, (p) => p.$transaction(async (tx) => tx.project.count()))).toEqual(expect.any(Number));
    await request(app.app.getHttpServer()).get('/count').set('x-tenant-id', B).expect(200);
    await request(app.app.getHttpServer()).get('/raw').set('x-tenant-id', B).expect(200, { one: 1 });
    expect(a.entered()).toBe(2); // still capped: B took the third connection and gave it back
    a.release();
    const settled = await a.done;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('a tenant at its cap gets the 503 after sharedPool.waitMs; the others are served meanwhile', async () => {
    const app = await boot({ pool: { max: 3 }, sharedPool: { tenantMax: 1, waitMs: 700 } });
    const a = hold(app, A, 1);
    await until(() => a.entered() === 1, 'A holds its one connection');
    const started = Date.now();
    const error = await app.as(A, (p) => p.project.count()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantUnavailableError);
    expect((error as Error).message).toBe(
      `Tenant "${A}" is temporarily unavailable: its share of the shared pool (1 connections) stayed busy for 700 ms; retry shortly`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(await app.as(B, (p) => p.project.count())).toEqual(expect.any(Number));
    a.release();
    await a.done;
    expect(await app.as(A, (p) => p.project.count())).toEqual(expect.any(Number));
  });

  it('without a cap but with sharedPool.waitMs, a request that finds every connection busy gets the 503 by the deadline, also over HTTP', async () => {
    const app = await boot({ pool: { max: 2 }, sharedPool: { waitMs: 700 } });
    const a = hold(app, A, 2);
    await until(() => a.entered() === 2, 'A holds every connection');
    const started = Date.now();
    const error = await app.as(B, (p) => p.project.count()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantUnavailableError);
    expect((error as TenantUnavailableError).getStatus()).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    // An interactive transaction gets the same error, before Prisma's own maxWait (2 s, a 500).
    await expect(app.as(B, (p) => p.$transaction(async (tx) => tx.project.count()))).rejects.toBeInstanceOf(
      TenantUnavailableError,
    );
    for (const path of ['/count', '/raw']) {
      const response = await request(app.app.getHttpServer()).get(path).set('x-tenant-id', B);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        statusCode: 503,
        error: 'TENANT_UNAVAILABLE',
        message: `Tenant "${B}" is temporarily unavailable: all connections of the shared pool stayed busy for 700 ms; retry shortly`,
      });
    }
    a.release();
    await a.done;
    await request(app.app.getHttpServer()).get('/count').set('x-tenant-id', B).expect(200);
  });

  it("without sharedPool, the pool is pg's own (no wrapper on any statement)", async () => {
    const app = await boot({ pool: { max: 2 } });
    const a = hold(app, A, 2);
    await until(() => a.entered() === 2, 'A holds every connection');
    // B waits as pg makes it wait, and is served once A lets go.
    let served = false;
    const b = app.as(B, (p) => p.project.count()).then(() => (served = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(served).toBe(false);
    a.release();
    await b;
    expect(served).toBe(true);
  });
});

describe('sharedPool options', () => {
  const base = {
    strategy: 'rls' as const,
    databaseUrl: 'postgresql://u@127.0.0.1/db',
    createClient: () => ({}),
    tenants: [],
  };
  it('are off unless set, and taken as given', () => {
    expect(resolveTenancyOptions(base).sharedPool).toEqual({});
    expect(
      resolveTenancyOptions({ ...base, pool: { max: 4 }, sharedPool: { tenantMax: 4, waitMs: 0 } }).sharedPool,
    ).toEqual({ tenantMax: 4, waitMs: 0 });
  });
  it.each([
    [{ sharedPool: 'x' }, 'sharedPool'],
    [{ sharedPool: { tenantMax: 0 } }, 'sharedPool.tenantMax'],
    [{ sharedPool: { tenantMax: 1.5 } }, 'sharedPool.tenantMax'],
    [{ sharedPool: { tenantMax: 11 } }, 'sharedPool.tenantMax'], // pg's default pool.max is 10
    [{ pool: { max: 3 }, sharedPool: { tenantMax: 4 } }, 'sharedPool.tenantMax'],
    [{ sharedPool: { waitMs: -1 } }, 'sharedPool.waitMs'],
    [{ sharedPool: { waitMs: '1500' } }, 'sharedPool.waitMs'],
  ])('refuses %j with an error naming %s', (given, field) => {
    expect(() => resolveTenancyOptions({ ...base, ...(given as object) })).toThrow(expect.objectContaining({ field }));
  });
});
