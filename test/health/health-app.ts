import { Controller, Get, type INestApplication, Module, Param, Query } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import request from 'supertest';
import { SkipTenant, TenancyModule, TenantContext, TenantPrisma, type TenancyModuleOptions } from '../../lib';
import { TenancyHealthIndicator } from '../../lib/health';
import { PrismaClient } from '../fixtures/generated/client';

/** The /health routes an app would write, each check behind terminus' real HealthCheckService. */
@SkipTenant()
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tenancy: TenancyHealthIndicator,
  ) {}

  @Get()
  check() {
    return this.health.check([
      () => this.tenancy.checkDatabase(),
      () => this.tenancy.checkRegistryListener(),
      () => this.tenancy.checkPool(),
    ]);
  }

  @Get('pool')
  pool(@Query('maxWaiting') maxWaiting?: string) {
    return this.health.check([
      () => this.tenancy.checkPool(maxWaiting === undefined ? {} : { maxWaiting: Number(maxWaiting) }),
    ]);
  }

  @Get('tenants/:id')
  tenant(@Param('id') id: string) {
    return this.health.check([() => this.tenancy.checkTenant(id)]);
  }
}

export interface HealthTestApp {
  app: INestApplication;
  /** Runs `fn` as `tenantId` with the tenant's client. */
  as<T>(tenantId: string, fn: (db: PrismaClient) => Promise<T>): Promise<T>;
  get(path: string): Promise<request.Response>;
  close(): Promise<void>;
}

/** A real HTTP app: nestjs-cls, the package, terminus and the controller above, on an ephemeral port. */
export async function bootHealthApp(options: Partial<TenancyModuleOptions<PrismaClient>>): Promise<HealthTestApp> {
  @Module({
    imports: [
      ClsModule.forRoot({ global: true, middleware: { mount: true } }),
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl: 'set by each test',
        createClient: (adapter) => new PrismaClient({ adapter }),
        sharedModels: ['Plan'],
        ...options,
      } as TenancyModuleOptions<PrismaClient>),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [HealthController],
    providers: [TenancyHealthIndicator],
  })
  class HealthTestModule {}

  const moduleRef = await Test.createTestingModule({ imports: [HealthTestModule] }).compile();
  const app = moduleRef.createNestApplication();
  app.useLogger(false);
  await app.listen(0, '127.0.0.1');
  const context = app.get(TenantContext);
  const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);
  return {
    app,
    as: (tenantId, fn) => context.run(tenantId, () => fn(prisma.client)),
    get: (path) => request(app.getHttpServer()).get(path),
    close: () => app.close(),
  };
}

/** Fails when a body carries a connection string or a password. */
export function expectNoSecrets(text: string, ...secrets: string[]): void {
  expect(text).not.toMatch(/postgres(ql)?:\/\//i);
  for (const secret of secrets) expect(text).not.toContain(secret);
}
