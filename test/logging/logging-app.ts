import {
  Controller,
  Get,
  type DynamicModule,
  type INestApplication,
  Injectable,
  Logger,
  Module,
  Query,
  type Type,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import request from 'supertest';
import { CurrentTenant, SkipTenant, TenancyModule, TenantPrisma } from '../../lib';
import { PrismaClient } from '../fixtures/generated/client';
import type { HttpPlatform } from '../support/http-app';

/** Logs through Nest's `Logger`, as app services do, around a tenant-scoped query. */
@Injectable()
export class WorkService {
  private readonly logger = new Logger(WorkService.name);

  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  async work(n: number): Promise<number> {
    this.logger.log(`work ${n} start`);
    const count = await this.prisma.client.project.count();
    // A hop through the timers, so requests of both tenants interleave.
    await new Promise((resolve) => setTimeout(resolve, (n * 7) % 20));
    this.logger.warn(`work ${n} done`);
    return count;
  }
}

@Controller()
export class WorkController {
  private readonly logger = new Logger(WorkController.name);

  constructor(private readonly service: WorkService) {}

  @Get('work')
  async get(@CurrentTenant('id') tenantId: string, @Query('n') n: string) {
    this.logger.log(`handler ${n}`);
    return { tenantId, count: await this.service.work(Number(n)) };
  }

  @SkipTenant()
  @Get('public')
  public() {
    this.logger.log('public route');
    return { ok: true };
  }
}

export const LOG_TENANTS = ['acme', 'globex'] as const;

/**
 * An HTTP app on the RLS strategy (nestjs-cls middleware, the package, the
 * controller above), with `imports`/`providers` for the logger under test and
 * `configure` to install it before `listen`.
 */
export async function bootLoggingApp(options: {
  platform: HttpPlatform;
  databaseUrl: string;
  imports?: DynamicModule[];
  providers?: Type[];
  configure?: (app: INestApplication) => void;
}): Promise<INestApplication> {
  @Module({
    imports: [
      ClsModule.forRoot({ global: true, middleware: { mount: true } }),
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl: options.databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: LOG_TENANTS.map((id) => ({ id, status: 'active' as const })),
      }),
      ...(options.imports ?? []),
    ],
    controllers: [WorkController],
    providers: [WorkService, ...(options.providers ?? [])],
  })
  class LoggingTestModule {}

  const moduleRef = await Test.createTestingModule({ imports: [LoggingTestModule] }).compile();
  const app =
    options.platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { bufferLogs: true })
      : moduleRef.createNestApplication({ bufferLogs: true });
  options.configure?.(app);
  await app.init();
  if (options.platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  await app.listen(0, '127.0.0.1');
  return app;
}

/** 20 interleaved requests, even n as acme, odd n as globex; returns n → tenant. */
export async function sendInterleaved(app: INestApplication, count = 20): Promise<Map<number, string>> {
  const tenants = new Map<number, string>();
  await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const tenant = LOG_TENANTS[n % 2];
      tenants.set(n, tenant);
      const response = await request(app.getHttpServer()).get(`/work?n=${n}`).set('x-tenant-id', tenant);
      expect(response.status).toBe(200);
      expect(response.body.tenantId).toBe(tenant);
    }),
  );
  return tenants;
}

/** The other tenant of the two. */
export const otherTenant = (tenant: string) => LOG_TENANTS.find((t) => t !== tenant)!;
