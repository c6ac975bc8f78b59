import { Controller, Get, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { PrismaClient } from '../fixtures/generated/client';
import { CurrentTenant, TenancyModule } from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';
import { HTTP_PLATFORMS } from '../support/http-app';
import { rawRequest } from './raw-request';

@Controller()
class WhoAmIController {
  @Get('whoami') whoami(@CurrentTenant('id') id: string) {
    return { id };
  }
}

// Behind a trusted proxy, the host comes from X-Forwarded-Host. When that lists
// several hosts (a client sent one, a proxy appended its own), Express reads
// the first and Fastify the last: the same app would serve different tenants
// on the two platforms. The subdomain resolver refuses such requests on both.
describe.each(HTTP_PLATFORMS)('subdomain behind a trusted proxy (%s)', (platform) => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy: 'rls',
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: [
            { id: 'acme', status: 'active' },
            { id: 'globex', status: 'active' },
          ],
          sharedModels: ['Plan'],
          resolvers: [{ type: 'subdomain', baseDomain: 'example.com' }, { type: 'header' }],
        }),
      ],
      controllers: [WhoAmIController],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter({ trustProxy: true }))
        : moduleRef.createNestApplication();
    if (platform === 'express') app.getHttpAdapter().getInstance().set('trust proxy', true);
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const http = () => request(app.getHttpServer());

  it('reads the tenant from a single X-Forwarded-Host', async () => {
    await http()
      .get('/whoami')
      .set('Host', 'internal:8080')
      .set('X-Forwarded-Host', 'globex.example.com')
      .expect(200, { id: 'globex' });
  });

  it.each(['globex.example.com, acme.example.com', 'acme.example.com,globex.example.com'])(
    'refuses X-Forwarded-Host: %s (400), whatever the header resolver would say',
    async (forwarded) => {
      const res = await http()
        .get('/whoami')
        .set('Host', 'internal:8080')
        .set('X-Forwarded-Host', forwarded)
        .set('x-tenant-id', 'acme');
      expect([res.status, res.body.error]).toEqual([400, 'TENANT_ID_INVALID']);
    },
  );

  it('refuses X-Forwarded-Host sent twice with different hosts (400)', async () => {
    const res = await rawRequest(app, [
      'GET /whoami HTTP/1.1',
      'Host: internal:8080',
      'X-Forwarded-Host: globex.example.com',
      'X-Forwarded-Host: acme.example.com',
    ]);
    expect([res.status, JSON.parse(res.body).error]).toEqual([400, 'TENANT_ID_INVALID']);
  });

  it('accepts repeats of one host', async () => {
    await http()
      .get('/whoami')
      .set('Host', 'internal:8080')
      .set('X-Forwarded-Host', 'acme.example.com, acme.example.com')
      .expect(200, { id: 'acme' });
  });
});
