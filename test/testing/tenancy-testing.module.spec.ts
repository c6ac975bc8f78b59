import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { PrismaClient } from '../fixtures/generated/client';
import {
  CurrentTenant,
  TenancyConfigError,
  TenancyModule,
  TenantInactiveError,
  TenantNotFoundError,
  TenantPrisma,
} from '../../lib';
import { createTenancyTestingApp, createTenancyTestingModule, findTenantLeaks, runAsTenant } from '../../lib/testing';
import { sendHttp } from '../../lib/testing/http/tenant-http.client';
import { createTestDatabase, type TestDatabase } from '../support';
import { EmptyTenantStore } from './leaky-app';

@Controller('projects')
class ProjectsController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  @Get()
  async list(@CurrentTenant('id') tenant: string) {
    return { tenant, projects: await this.prisma.client.project.findMany() };
  }
}

/** Configured the way apps read their configuration: asynchronously, for a database the test does not have. */
@Module({
  imports: [
    ClsModule.forRoot({ global: true, middleware: { mount: true } }),
    TenancyModule.forRootAsync({
      useFactory: async () => ({
        strategy: 'rls' as const,
        databaseUrl: 'postgresql://nobody@127.0.0.1:1/production',
        createClient: (adapter) => new PrismaClient({ adapter }),
        store: new EmptyTenantStore(),
        sharedModels: ['Plan'],
      }),
    }),
  ],
  controllers: [ProjectsController],
})
class AsyncAppModule {}

describe('createTenancyTestingApp and runAsTenant', () => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTenancyTestingApp(
      { imports: [AsyncAppModule] },
      {
        databaseUrl: db.appUrl,
        tenants: ['acme', { id: 'globex', status: 'active' }, { id: 'initech', status: 'suspended' }],
        setup: (app) => app.setGlobalPrefix('api'),
        logger: false,
      },
    );
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("replaces a forRootAsync app's database and store, and runs its setup", async () => {
    await runAsTenant(app, 'acme', (db: PrismaClient) => db.project.create({ data: { name: 'Rocket skates' } }));
    const { port } = app.getHttpServer().address() as { port: number };
    const answer = await sendHttp(
      { host: '127.0.0.1', port },
      { method: 'GET', path: '/api/projects', headers: { 'x-tenant-id': 'acme' }, timeoutMs: 5_000 },
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      tenant: 'acme',
      projects: [expect.objectContaining({ name: 'Rocket skates' })],
    });
    expect(await runAsTenant(app, 'globex', (db: PrismaClient) => db.project.count())).toBe(0);
  });

  it('enters only known, active tenants', async () => {
    await expect(runAsTenant(app, 'nope', () => 1)).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(runAsTenant(app, 'initech', () => 1)).rejects.toBeInstanceOf(TenantInactiveError);
  });

  it('checks the leak test options before writing anything', async () => {
    for (const tenants of [['acme', 'acme'], ['acme'], 'acme']) {
      await expect(findTenantLeaks(app, { tenants } as never)).rejects.toThrow(TenancyConfigError);
    }
    await expect(findTenantLeaks(app, { tenants: ['acme', 'initech'] })).rejects.toBeInstanceOf(TenantInactiveError);
    await expect(findTenantLeaks(app, { tenants: ['acme', 'globex'], request: 'x' as never })).rejects.toThrow(
      /"request"/,
    );
    expect(await runAsTenant(app, 'acme', (db: PrismaClient) => db.task.count())).toBe(0);
  });

  it('leaves the app unstarted with listen: false, and names a malformed tenant', async () => {
    const quiet = await createTenancyTestingApp(
      { imports: [AsyncAppModule] },
      { databaseUrl: db.appUrl, tenants: ['acme'], listen: false, logger: false },
    );
    expect(quiet.getHttpServer().listening).toBe(false);
    await quiet.close();
    expect(() =>
      createTenancyTestingModule({ imports: [AsyncAppModule] }, { tenants: ['acme', { status: 'active' } as never] }),
    ).toThrow(expect.objectContaining({ field: 'tenants[1]' }));
  });
});
