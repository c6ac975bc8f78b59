import { Body, Controller, type ExecutionContext, Get, type INestApplication, Injectable, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { PrismaClient } from '../fixtures/generated/client';
import {
  CurrentTenant,
  TenancyModule,
  TenantContext,
  TenantGuard,
  TenantPrisma,
  type Tenant,
  type TenancyModuleOptions,
} from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';
import { createSchemaTenantsDatabase } from '../strategies/schema/schema-tenants';
import { createHttpApp, HTTP_PLATFORMS } from '../support/http-app';

const TENANTS: Tenant[] = [
  { id: 'acme', status: 'active', name: 'Acme' },
  { id: 'globex', status: 'active', name: 'Globex' },
];

// An app with the classic mass-assignment bug: the request body is copied onto
// the tenant object the package handed out, through each way of getting it.
@Controller()
class ProfileController {
  constructor(
    private readonly prisma: TenantPrisma<PrismaClient>,
    private readonly context: TenantContext,
  ) {}

  @Post('settings/decorator') viaDecorator(@CurrentTenant() tenant: Tenant, @Body() body: object) {
    Object.assign(tenant, body);
    return this.list();
  }

  @Post('settings/context') viaContext(@Body() body: object) {
    Object.assign(this.context.tenant, body);
    return this.list();
  }

  @Post('settings/current') viaCurrent(@Body() body: object) {
    Object.assign(this.context.current()!, body);
    return this.list();
  }

  @Post('projects') create(@CurrentTenant('id') id: string) {
    return this.prisma.client.project.create({ data: { name: `by-${id}` } });
  }

  @Get('projects') list() {
    return this.prisma.client.project.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
  }

  @Get('whoami') whoami(@CurrentTenant() tenant: Tenant) {
    return tenant;
  }
}

type Setup = {
  strategy: 'rls' | 'schema';
  database: () => Promise<TestDatabase>;
  options: Partial<TenancyModuleOptions<PrismaClient>>;
};
const SETUPS: Setup[] = [
  { strategy: 'rls', database: () => createTestDatabase(), options: { strategy: 'rls' } },
  // The schema strategy builds a tenant's client from the tenant object on first use:
  // a changed schemaName would point that client at another tenant's schema.
  {
    strategy: 'schema',
    database: () => createSchemaTenantsDatabase(['acme', 'globex']),
    options: { strategy: 'schema', strategies: ['schema'] },
  },
];

const ATTACKS: Array<{ route: string; body: Record<string, unknown> }> = [
  { route: '/settings/decorator', body: { id: 'globex', name: 'Hacked' } },
  { route: '/settings/context', body: { id: 'globex', schemaName: 'tenant_globex' } },
  { route: '/settings/current', body: { schemaName: 'tenant_globex', status: 'active' } },
];

describe.each(HTTP_PLATFORMS)('the tenant a handler gets cannot be changed (%s)', (platform) => {
  describe.each(SETUPS)('$strategy strategy', ({ database, options }) => {
    let db: TestDatabase;
    let app: INestApplication;

    beforeAll(async () => {
      db = await database();
      const moduleRef = await Test.createTestingModule({
        imports: [
          TenancyModule.forRoot({
            databaseUrl: db.appUrl,
            createClient: (adapter) => new PrismaClient({ adapter }),
            tenants: TENANTS,
            sharedModels: ['Plan'],
            clientPool: { max: 5, idleTtlMs: 0 },
            ...options,
          } as TenancyModuleOptions<PrismaClient>),
        ],
        controllers: [ProfileController],
      }).compile();
      app =
        platform === 'fastify'
          ? moduleRef.createNestApplication(new FastifyAdapter())
          : moduleRef.createNestApplication();
      app.useLogger(false);
      await app.listen(0, '127.0.0.1');
      // globex writes first; acme's client is built only by the attacking request.
      await request(app.getHttpServer()).post('/projects').set('x-tenant-id', 'globex').expect(201);
    });
    afterAll(async () => {
      await app?.close();
      await db?.drop();
    });

    const names = async (tenant: string) => {
      const res = await request(app.getHttpServer()).get('/projects').set('x-tenant-id', tenant).expect(200);
      return res.body.map((p: { name: string }) => p.name);
    };

    it.each(ATTACKS)(
      'a write to the tenant in $route fails, and both tenants still see only their own rows',
      async ({ route, body }) => {
        const attack = await request(app.getHttpServer()).post(route).set('x-tenant-id', 'acme').send(body);
        expect(JSON.stringify(attack.body)).not.toContain('by-globex');

        await request(app.getHttpServer()).post('/projects').set('x-tenant-id', 'acme').expect(201);
        expect(new Set(await names('acme'))).toEqual(new Set(['by-acme']));
        expect(new Set(await names('globex'))).toEqual(new Set(['by-globex']));
        const who = await request(app.getHttpServer()).get('/whoami').set('x-tenant-id', 'acme').expect(200);
        expect(who.body).toEqual({ id: 'acme', status: 'active', name: 'Acme' });
        // The write itself throws a TypeError (a 500: the app's bug), before any query ran.
        expect(attack.status).toBe(500);
      },
    );
  });
});

// A `getTenant` override may hand the guard an object of its own (a copy, a
// record from elsewhere): the guard freezes it before it becomes current.
@Injectable()
class CopyingTenantGuard extends TenantGuard {
  protected override async getTenant(tenantId: string, context: ExecutionContext): Promise<Tenant> {
    return { ...(await super.getTenant(tenantId, context)), name: 'Copied' };
  }
}

@Controller()
class MutatingController {
  constructor(private readonly context: TenantContext) {}

  @Post('rename') rename(@CurrentTenant() tenant: Tenant, @Body() body: object) {
    try {
      Object.assign(tenant, body);
      return { changed: true };
    } catch (error) {
      return { changed: false, error: (error as Error).name };
    }
  }

  @Get('whoami') whoami() {
    return this.context.tenant;
  }
}

describe.each(HTTP_PLATFORMS)('a tenant from a getTenant override is frozen too (%s)', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createHttpApp({
      platform,
      appGuard: CopyingTenantGuard,
      globalGuard: false,
      controllers: [MutatingController],
    });
  });
  afterAll(() => app?.close());

  it('a handler cannot change it, and the next request is still its own tenant', async () => {
    const res = await request(app.getHttpServer())
      .post('/rename')
      .set('x-tenant-id', 'acme')
      .send({ id: 'globex' })
      .expect(201);
    expect(res.body).toEqual({ changed: false, error: 'TypeError' });
    await request(app.getHttpServer())
      .get('/whoami')
      .set('x-tenant-id', 'acme')
      .expect(200, { id: 'acme', status: 'active', name: 'Copied' });
  });
});

// The per-tenant pools key on the tenant id, and build a tenant's client from
// the first record they see. A record that names another tenant's schema (a
// forged or wrong `getTenant` answer, not a mutation) must not make acme's
// client serve globex's rows: the ownership marker check refuses it.
@Injectable()
class ForgingTenantGuard extends TenantGuard {
  protected override async getTenant(tenantId: string, context: ExecutionContext): Promise<Tenant> {
    const tenant = await super.getTenant(tenantId, context);
    return tenant.id === 'acme' ? { ...tenant, schemaName: 'tenant_globex' } : tenant;
  }
}

describe.each(HTTP_PLATFORMS)('a forged record cannot point a tenant at another tenant’s schema (%s)', (platform) => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(['acme', 'globex']);
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy: 'schema',
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: TENANTS,
          sharedModels: ['Plan'],
          globalGuard: false,
        }),
      ],
      controllers: [ProfileController],
      providers: [{ provide: APP_GUARD, useClass: ForgingTenantGuard }],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    await request(app.getHttpServer()).post('/projects').set('x-tenant-id', 'globex').expect(201);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('acme’s requests fail closed (500 TENANT_MISCONFIGURED), and globex’s rows stay globex’s', async () => {
    const res = await request(app.getHttpServer()).get('/projects').set('x-tenant-id', 'acme');
    expect(res.text).not.toContain('by-globex');
    expect([res.status, res.body.error]).toEqual([500, 'TENANT_MISCONFIGURED']);
    const write = await request(app.getHttpServer()).post('/projects').set('x-tenant-id', 'acme');
    expect(write.status).toBe(500);
    const globex = await request(app.getHttpServer()).get('/projects').set('x-tenant-id', 'globex').expect(200);
    expect(globex.body).toEqual([{ name: 'by-globex' }]);
  });
});
