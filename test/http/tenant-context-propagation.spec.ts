import { Controller, Get, type INestApplication, Injectable, Query } from '@nestjs/common';
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import request from 'supertest';
import { TenantContext } from '../../lib/context/tenant-context.service';
import { CurrentTenant } from '../../lib/decorators/current-tenant.decorator';
import { createHttpApp, HTTP_SETUPS } from '../support/http-app';

/** Reads the current tenant on the far side of each kind of async hop. */
@Injectable()
class ProbeService {
  constructor(private readonly tenantContext: TenantContext) {}

  async afterAwaits(): Promise<string> {
    await Promise.resolve();
    await sleep(1);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => process.nextTick(resolve));
    return this.tenantContext.tenantId;
  }

  inTimer(): Promise<string> {
    return new Promise((resolve) => setTimeout(() => resolve(this.tenantContext.tenantId), 3));
  }

  inParallel(): Promise<string[]> {
    return Promise.all([3, 1, 2].map(async (ms) => (await sleep(ms), this.tenantContext.tenantId)));
  }

  /** A readable fed from a timer: the data handler reads the context per chunk. */
  inStreamEvents(): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const seen: string[] = [];
      const stream = new Readable({ read() {} });
      stream.on('data', () => seen.push(this.tenantContext.tenantId));
      stream.on('end', () => resolve(seen));
      stream.on('error', reject);
      setTimeout(() => ['a', 'b', null].forEach((chunk) => stream.push(chunk)), 2);
    });
  }

  /** A transform in a pipeline: each chunk is replaced by the tenant seen while transforming it. */
  async inPipeline(): Promise<string[]> {
    const seen: string[] = [];
    const tag = new Transform({
      objectMode: true,
      transform: (_chunk, _encoding, done) => setTimeout(() => done(null, this.tenantContext.tenantId), 1),
    });
    const collect = new Transform({
      objectMode: true,
      transform: (chunk, _encoding, done) => (seen.push(chunk), done()),
    });
    await pipeline(Readable.from([1, 2, 3]), tag, collect);
    return seen;
  }
}

@Controller()
class ProbeController {
  constructor(
    private readonly probe: ProbeService,
    private readonly tenantContext: TenantContext,
  ) {}

  @Get('hops')
  async hops(@CurrentTenant('id') id: string) {
    return {
      id,
      afterAwaits: await this.probe.afterAwaits(),
      inTimer: await this.probe.inTimer(),
      inParallel: await this.probe.inParallel(),
      inStreamEvents: await this.probe.inStreamEvents(),
      inPipeline: await this.probe.inPipeline(),
    };
  }

  @Get('slow')
  async slow(@CurrentTenant('id') id: string, @Query('ms') ms: string) {
    await sleep(Number(ms));
    const later = this.tenantContext.tenantId;
    const parallel = await this.probe.inParallel();
    return { id, later, parallel };
  }
}

describe.each(HTTP_SETUPS)(
  'tenant context across async hops ($platform, app cls middleware: $clsMiddleware)',
  ({ platform, clsMiddleware }) => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createHttpApp({ platform, clsMiddleware, controllers: [ProbeController], providers: [ProbeService] });
    });
    afterAll(() => app?.close());

    it('keeps the tenant set by the guard through awaits, timers, Promise.all and streams', async () => {
      const res = await request(app.getHttpServer()).get('/hops').set('x-tenant-id', 'globex').expect(200);
      expect(res.body).toEqual({
        id: 'globex',
        afterAwaits: 'globex',
        inTimer: 'globex',
        inParallel: ['globex', 'globex', 'globex'],
        inStreamEvents: ['globex', 'globex'],
        inPipeline: ['globex', 'globex', 'globex'],
      });
    });

    // One connection per request, then 8 keep-alive sockets that each carry a mix of tenants in turn.
    it.each([
      ['a connection each', undefined],
      ['8 shared keep-alive sockets', () => new http.Agent({ keepAlive: true, maxSockets: 8 })],
    ])('gives each of 200 interleaved concurrent requests its own tenant (%s)', async (_name, makeAgent) => {
      const agent = makeAgent?.();
      const tenants = ['acme', 'globex'];
      const server = app.getHttpServer();
      try {
        const results = await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            const tenant = tenants[i % 2];
            const ms = Math.floor(Math.random() * 20);
            const req = request(server).get(`/slow?ms=${ms}`).set('x-tenant-id', tenant);
            const res = await (agent ? req.agent(agent) : req);
            return { sent: tenant, status: res.status, body: res.body };
          }),
        );
        for (const { sent, status, body } of results) {
          expect({ status, body }).toEqual({
            status: 200,
            body: { id: sent, later: sent, parallel: [sent, sent, sent] },
          });
        }
      } finally {
        agent?.destroy();
      }
    });
  },
);
