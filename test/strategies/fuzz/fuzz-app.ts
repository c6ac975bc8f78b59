import { Body, Controller, HttpCode, type INestApplication, Post } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrismaClient } from '../../fixtures/generated/client';
import { TenancyModule, TenantContext, TenantPrisma, type TenancyModuleOptions } from '../../../lib';
import { TEST_TENANTS } from '../rls/rls-app';
import type { FuzzObs, FuzzOp } from './fuzz-model';
import { runOp } from './fuzz-operations';

/**
 * Runs `op` as the current tenant. `keptClient` first takes the client of
 * `op.other` (as code that keeps a client across requests would) and runs
 * the read with it here: it must refuse, or serve only the current tenant.
 */
function runInContext(context: TenantContext, prisma: TenantPrisma<PrismaClient>, op: FuzzOp): Promise<FuzzObs> {
  if (op.kind !== 'keptClient') return runOp(prisma.client, op);
  const kept = context.run(op.other, async () => prisma.client);
  return kept.then(
    (client) => runOp(client, { ...op, kind: op.flag ? 'queryRaw' : 'findMany' }),
    (error: Error) => ({ error: `taking the other tenant's client failed: ${error.message}` }),
  );
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  return { promise: new Promise<T>((r) => (resolve = r)), resolve };
}

/**
 * Requests the client will cut off: the handler says when it has started (so
 * the cut always lands mid-flight, never before the request arrived) and what
 * it ended with (so the oracle knows what committed, whatever the client saw).
 */
const cutRequests = new Map<string, { started: Deferred<void>; finished: Deferred<FuzzObs> }>();

@Controller('fuzz')
class FuzzController {
  constructor(
    private readonly prisma: TenantPrisma<PrismaClient>,
    private readonly context: TenantContext,
  ) {}

  @Post('op') @HttpCode(200) op(@Body() op: FuzzOp) {
    return runInContext(this.context, this.prisma, op);
  }

  @Post('cut') @HttpCode(200) async cut(@Body() body: { token: string; op: FuzzOp }) {
    const tracked = cutRequests.get(body.token)!;
    tracked.started.resolve();
    // Still running when the client goes away: the request is in the database when cut.
    const obs = await this.prisma.client.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.02)`.then(
      () => runInContext(this.context, this.prisma, body.op),
      (error: Error) => ({ error: error.message }),
    );
    tracked.finished.resolve(obs);
    return obs;
  }
}

/** The package in a real Nest HTTP app (Express or Fastify), with the fuzz's routes. */
export interface FuzzApp {
  app: INestApplication;
  context: TenantContext;
  prisma: TenantPrisma<PrismaClient>;
  /** Runs `op` in-process, in the tenant's context. */
  direct(op: FuzzOp): Promise<FuzzObs>;
  /** Runs `op` over HTTP, tenant in the `x-tenant-id` header; `aborted` ops are cut off mid-flight. */
  http(op: FuzzOp): Promise<FuzzObs>;
  close(): Promise<void>;
}

let tokens = 0;

export type FuzzPlatform = 'express' | 'fastify';

export async function bootFuzzApp(
  databaseUrl: string,
  overrides: Partial<TenancyModuleOptions<PrismaClient>> = {},
  platform: FuzzPlatform = 'express',
): Promise<FuzzApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: TEST_TENANTS,
        sharedModels: ['Plan'],
        ...overrides,
      }),
    ],
    controllers: [FuzzController],
  }).compile();
  const app =
    platform === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter()) : moduleRef.createNestApplication();
  app.useLogger(false);
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const context = app.get(TenantContext);
  const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);

  async function post(path: string, tenant: string, body: unknown): Promise<FuzzObs> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': tenant },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as FuzzObs & { statusCode?: number; message?: string };
    return response.status === 200 ? json : { error: `HTTP ${response.status}: ${json.message}` };
  }

  async function cut(op: FuzzOp): Promise<FuzzObs> {
    const token = `cut-${++tokens}`;
    const tracked = { started: deferred<void>(), finished: deferred<FuzzObs>() };
    cutRequests.set(token, tracked);
    const body = JSON.stringify({ token, op: op.inner });
    const headers = { 'content-type': 'application/json', 'x-tenant-id': op.me };
    try {
      if (op.abort === 'signal') {
        const controller = new AbortController();
        const sent = fetch(`${base}/fuzz/cut`, { method: 'POST', headers, body, signal: controller.signal }).catch(
          () => undefined,
        );
        await tracked.started.promise;
        controller.abort();
        await sent;
      } else {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/fuzz/cut',
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        });
        req.on('error', () => undefined);
        req.end(body);
        await tracked.started.promise;
        req.destroy();
      }
      return await tracked.finished.promise;
    } finally {
      cutRequests.delete(token);
    }
  }

  return {
    app,
    context,
    prisma,
    direct: (op) => context.run(op.me, () => runInContext(context, prisma, op)),
    http: (op) => (op.kind === 'aborted' ? cut(op) : post('/fuzz/op', op.me, op)),
    close: () => app.close(),
  };
}
