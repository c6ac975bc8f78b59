import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrismaClient } from '../fixtures/generated/client';
import { TenancyModule, TenantContext } from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';

// nestjs-cls 7 ships an ES module build beside the CommonJS one. An ESM app
// imports the former while this package requires the latter: two copies, which
// share the AsyncLocalStorage and the CLS_* symbols but not ContextClsStoreMap.
// A second CommonJS copy, loaded in an isolated module registry, stands in for
// the app's ESM copy. nestjs-cls 6 has one build and copies share nothing, so
// the case does not arise there: the suite runs on 7 only (`npm run test:cls7`).
const major = Number((require('nestjs-cls/package.json') as { version: string }).version.split('.')[0]);
const appCopy = (() => {
  let copy!: typeof import('nestjs-cls');
  jest.isolateModules(() => {
    copy = require('nestjs-cls');
  });
  return copy;
})();

@Controller()
class ProbeController {
  constructor(private readonly context: TenantContext) {}
  @Get('probe') async probe() {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const cls = appCopy.ClsServiceManager.getClsService();
    return { tenant: this.context.tenantId, probe: cls.get('probe') ?? null };
  }
}
@Module({ controllers: [ProbeController] })
class ProbeModule {}

function get(port: number, agent: Agent, tenant: string, probe: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/probe', agent, headers: { 'x-tenant-id': tenant, 'x-probe': probe } },
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

(major >= 7 ? describe : describe.skip)("the app's nestjs-cls copy and the package's (nestjs-cls 7)", () => {
  let db: TestDatabase;
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    expect(appCopy.ContextClsStoreMap).not.toBe(require('nestjs-cls').ContextClsStoreMap);
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
        }),
        ProbeModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    // What the app copy's ClsMiddleware does (mounted first, with a setup that stores a value).
    app.use((req: { headers: Record<string, string> }, _res: unknown, next: () => void) => {
      const cls = appCopy.ClsServiceManager.getClsService();
      cls.run(() => {
        appCopy.ContextClsStoreMap.setByRaw(req, cls.get());
        cls.set(appCopy.CLS_REQ, req);
        cls.set('probe', req.headers['x-probe']);
        next();
      });
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("keeps the values the app's middleware set, and each request's own tenant, on one keep-alive socket", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 20; i++) {
        const tenant = i % 2 ? 'acme' : 'globex';
        expect(await get(port, agent, tenant, `r${i}`)).toEqual({ status: 200, body: { tenant, probe: `r${i}` } });
      }
    } finally {
      agent.destroy();
    }
  });
});
