import { Controller, Get, Injectable, type INestApplication, Post } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { PrismaClient } from '../../fixtures/generated/client';
import { CurrentTenant, SkipTenant, TenancyModule, TenantPrisma, TenantRepository } from '../../../lib';
import { sharedModelScope } from '../../../lib/strategies/rls/rls-scope';
import type { RlsTenancyStrategy } from '../../../lib/strategies/rls/rls.strategy';
import type { TenancyStrategyRouter } from '../../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../../lib/tenancy.internal-constants';
import { createTestDatabase, type TestDatabase } from '../../support';
import { TEST_TENANTS } from './rls-app';

@Injectable()
class ProjectRepository extends TenantRepository<PrismaClient> {
  list() {
    return this.db.project.findMany({ orderBy: { name: 'asc' } });
  }
  create(name: string) {
    return this.db.project.create({ data: { name } });
  }
  async setting() {
    const [{ s }] = await this.db.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id', true) AS s`;
    return s;
  }
  async slow() {
    await this.db.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.4)`;
    return 'done';
  }
}

@Controller()
class ProjectsController {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly prisma: TenantPrisma<PrismaClient>,
  ) {}
  @Get('projects') list() {
    return this.projects.list();
  }
  @Post('projects') create(@CurrentTenant('id') tenantId: string) {
    return this.projects.create(`made-by-${tenantId}`);
  }
  @Get('setting') async setting() {
    return { setting: await this.projects.setting() };
  }
  @Get('slow') slow() {
    return this.projects.slow();
  }
  @SkipTenant() @Get('plans') plans() {
    return this.prisma.shared.plan.findMany();
  }
  @SkipTenant() @Get('leak') leak() {
    // A route without a tenant that (wrongly) queries tenant data must fail, not run unscoped
    // (`shared` does not offer Project to the compiler: reached past the types, it must still refuse).
    return (this.prisma.shared as unknown as PrismaClient).project.findMany();
  }
}

// The whole stack over real HTTP and real PostgreSQL, on both platforms and both RLS modes.
describe.each(['express', 'fastify'] as const)('RLS over HTTP (%s)', (platform) => {
  describe.each(['transaction', 'session'] as const)('%s mode, pool of one connection', (mode) => {
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
            tenants: TEST_TENANTS,
            sharedModels: ['Plan'],
            pool: { max: 1 },
            rls: { mode },
          }),
        ],
        controllers: [ProjectsController],
        providers: [ProjectRepository],
      }).compile();
      app =
        platform === 'fastify'
          ? moduleRef.createNestApplication(new FastifyAdapter())
          : moduleRef.createNestApplication();
      await app.listen(0, '127.0.0.1');
    });
    afterAll(async () => {
      await app?.close();
      await db?.drop();
    });

    const http = () => request(app.getHttpServer());

    it('serves each tenant its own rows and statuses for bad tenants', async () => {
      await http().post('/projects').set('x-tenant-id', 't0').expect(201);
      await http().post('/projects').set('x-tenant-id', 't1').expect(201);
      const t0 = await http().get('/projects').set('x-tenant-id', 't0').expect(200);
      expect(t0.body.map((p: { name: string }) => p.name)).toEqual(['made-by-t0']);
      const t1 = await http().get('/projects').set('x-tenant-id', 't1').expect(200);
      expect(t1.body.map((p: { tenantId: string }) => p.tenantId)).toEqual(['t1']);
      await http().get('/projects').expect(400);
      await http().get('/projects').set('x-tenant-id', "t0' OR '1'='1").expect(400);
      await http().get('/projects').set('x-tenant-id', 'nobody').expect(404);
      await http().get('/projects').set('x-tenant-id', 'suspended1').expect(403);
      await http().get('/plans').expect(200);
      const leak = await http().get('/leak').expect(400);
      expect(leak.body).toMatchObject({ error: 'TENANT_REQUIRED' });
      expect(JSON.stringify(leak.body)).not.toMatch(/at .*\.ts/);
    });

    it('a request cancelled mid-query leaves no tenant setting on the connection', async () => {
      const { port } = app.getHttpServer().address() as AddressInfo;
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/slow', headers: { 'x-tenant-id': 't0' } });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
      // The next request queues behind the cancelled one on the only connection.
      const next = await http().get('/setting').set('x-tenant-id', 't1').expect(200);
      expect(next.body).toEqual({ setting: 't1' });
      const rows = await http().get('/projects').set('x-tenant-id', 't1').expect(200);
      expect(rows.body.every((p: { tenantId: string }) => p.tenantId === 't1')).toBe(true);
      // A statement with no tenant on that same connection sees no setting at all.
      const strategy = app
        .get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY)
        .get('rls') as RlsTenancyStrategy<PrismaClient>;
      const pool = (strategy as unknown as { pool: { query(sql: string): Promise<{ rows: { s: string | null }[] }> } })
        .pool;
      const bare = await sharedModelScope.run(true, () =>
        pool.query(`SELECT current_setting('app.tenant_id', true) AS s`),
      );
      expect(bare.rows[0].s ?? '').toBe('');
    });
  });
});
