import { type CanActivate, Controller, Get, Injectable, type INestApplication, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
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
  @SkipTenant() @Get('anonymous') anonymous() {
    return { hasTenant: this.context.hasTenant() };
  }
}

function get(port: number, agent: Agent, path: string, tenant?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, agent, headers: tenant ? { 'x-tenant-id': tenant } : {} },
      (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Without nestjs-cls's middleware in the app, the module's own middleware must
// scope the tenant to each request, even on one keep-alive socket and behind
// an async guard that runs first.
describe.each(['express', 'fastify'] as const)('request-scoped tenant context without ClsModule (%s)', (platform) => {
  let db: TestDatabase;
  let app: INestApplication;
  let port: number;

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
});
