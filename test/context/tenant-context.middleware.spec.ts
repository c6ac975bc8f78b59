import {
  Body,
  type CanActivate,
  Controller,
  Get,
  Injectable,
  type INestApplication,
  Module,
  Post,
} from '@nestjs/common';
import { type AbstractHttpAdapter, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrismaClient } from '../fixtures/generated/client';
import { SkipTenant, TenancyModule, TenantContext } from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';

/** An async guard that runs before TenantGuard, as a global JWT guard would. */
@Injectable()
class SlowAuthGuard implements CanActivate {
  async canActivate() {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return true;
  }
}
@Module({ providers: [{ provide: APP_GUARD, useClass: SlowAuthGuard }] })
class AuthModule {}

@Controller()
class ProbeController {
  constructor(private readonly context: TenantContext) {}
  @Get('whoami') async whoami() {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { tenant: this.context.tenantId };
  }
  // Fastify reads a body from stream events, outside the request's context: the guard must find it again.
  @Post('echo') async echo(@Body() body: { n: number }) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { tenant: this.context.tenantId, n: body.n };
  }
  @SkipTenant() @Get('anonymous') anonymous() {
    return { hasTenant: this.context.hasTenant() };
  }
}

function get(
  port: number,
  agent: Agent,
  path: string,
  tenant?: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = tenant ? { 'x-tenant-id': tenant } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = httpRequest(
      { host: '127.0.0.1', port, path, agent, headers, method: body === undefined ? 'GET' : 'POST' },
      (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// Without nestjs-cls's middleware in the app, the module's own middleware must
// scope the tenant to each request, even on one keep-alive socket and behind
// an async guard that runs first.
describe.each(['express', 'fastify'] as const)('request-scoped tenant context without ClsModule (%s)', (platform) => {
  let db: TestDatabase;
  let app: INestApplication;
  let port: number;
  // A request hook the app set on the adapter before the module's: it must keep running.
  const hooked: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthModule,
        TenancyModule.forRoot({
          strategy: 'rls',
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: [
            { id: 'acme', status: 'active' },
            { id: 'globex', status: 'active' },
          ],
        }),
      ],
      controllers: [ProbeController],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    (app.getHttpAdapter() as unknown as AbstractHttpAdapter).setOnRequestHook(
      (req: any, _res: unknown, done: () => void) => {
        hooked.push((platform === 'fastify' ? req.raw : req).url);
        done();
      },
    );
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('gives each request on one keep-alive socket its own tenant, and none to anonymous routes', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 20; i++) {
        const tenant = i % 2 ? 'acme' : 'globex';
        expect(await get(port, agent, '/whoami', tenant)).toEqual({ status: 200, body: { tenant } });
        expect(await get(port, agent, '/anonymous')).toEqual({ status: 200, body: { hasTenant: false } });
      }
    } finally {
      agent.destroy();
    }
  });

  it('keeps the tenant of each request across body parsing, on one keep-alive socket', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 20; i++) {
        const tenant = i % 2 ? 'acme' : 'globex';
        expect(await get(port, agent, '/echo', tenant, { n: i })).toEqual({ status: 201, body: { tenant, n: i } });
      }
    } finally {
      agent.destroy();
    }
  });

  it("runs a request hook the app set before the module's", () => {
    expect(hooked).toContain('/whoami');
    expect(hooked).toContain('/echo');
  });
});
