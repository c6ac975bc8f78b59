// The apps the HTTP benchmark compares: the same two routes written by hand
// (plain PrismaClient, `where: { tenantId }`, a Set of known tenants) and
// with the package (TenancyModule, TenantPrisma, the global TenantGuard).
import 'reflect-metadata';
import {
  Controller,
  Get,
  Headers,
  Injectable,
  type INestApplication,
  Module,
  NotFoundException,
  Param,
  BadRequestException,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../../test/fixtures/generated/client';
import { TenancyModule, TenantPrisma } from '../../lib';

export type HttpAppKind = 'plain' | 'rls' | 'rls-session' | 'schema';
export type HttpPlatform = 'express' | 'fastify';

export interface HttpAppSettings {
  kind: HttpAppKind;
  platform: HttpPlatform;
  /** Superuser URL for the hand-written app (no RLS), app-role URL for the package. */
  databaseUrl: string;
  tenants: string[];
  poolMax: number;
}

const SELECT = { id: true, tenantId: true, name: true, budget: true } as const;

/** Hand-written: what a team writes without the package. */
function plainModule(settings: HttpAppSettings) {
  const known = new Set(settings.tenants);
  const prisma = new PrismaClient({
    adapter: new PrismaPg(new Pool({ connectionString: settings.databaseUrl, max: settings.poolMax })),
  });
  const tenantOf = (header: string | undefined) => {
    if (!header) throw new BadRequestException('x-tenant-id required');
    if (!known.has(header)) throw new NotFoundException('unknown tenant');
    return header;
  };
  @Controller('projects')
  class PlainProjectsController {
    @Get()
    list(@Headers('x-tenant-id') tenant: string) {
      return prisma.project.findMany({ where: { tenantId: tenantOf(tenant) }, select: SELECT });
    }
    @Get(':id')
    async byId(@Headers('x-tenant-id') tenant: string, @Param('id') id: string) {
      const row = await prisma.project.findFirst({ where: { id, tenantId: tenantOf(tenant) }, select: SELECT });
      if (!row) throw new NotFoundException();
      return row;
    }
  }
  @Module({ controllers: [PlainProjectsController] })
  class PlainModule {}
  return { module: PlainModule, close: () => prisma.$disconnect() };
}

/** With the package: the tenant comes from the guard, the client from TenantPrisma. */
function packageModule(settings: HttpAppSettings) {
  // BENCH_HTTP_STATEMENT_CACHE: the package apps' statementCacheSize (default: the package's).
  const size = process.env.BENCH_HTTP_STATEMENT_CACHE;
  const statementCache = size === undefined || size === '' ? {} : { statementCacheSize: Number(size) };
  @Injectable()
  class Projects {
    constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}
    list() {
      return this.prisma.client.project.findMany({ select: SELECT });
    }
    byId(id: string) {
      return this.prisma.client.project.findFirst({ where: { id }, select: SELECT });
    }
  }
  @Controller('projects')
  class TenancyProjectsController {
    constructor(private readonly projects: Projects) {}
    @Get()
    list() {
      return this.projects.list();
    }
    @Get(':id')
    async byId(@Param('id') id: string) {
      const row = await this.projects.byId(id);
      if (!row) throw new NotFoundException();
      return row;
    }
  }
  @Module({
    imports: [
      TenancyModule.forRoot({
        strategy: settings.kind === 'schema' ? 'schema' : 'rls',
        ...(settings.kind === 'schema'
          ? { schema: statementCache }
          : { rls: { mode: settings.kind === 'rls-session' ? 'session' : 'transaction', ...statementCache } }),
        databaseUrl: settings.databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: settings.tenants.map((id) => ({ id, status: 'active' as const })),
        sharedModels: ['Plan'],
        pool: { max: settings.poolMax },
        clientPool: { max: settings.tenants.length + 10 },
        cache: { ttlMs: 3_600_000, max: settings.tenants.length + 100 },
      }),
    ],
    controllers: [TenancyProjectsController],
    providers: [Projects],
  })
  class TenancyAppModule {}
  return { module: TenancyAppModule, close: async () => undefined };
}

/** Boots one app, listening on a free port of 127.0.0.1. */
export async function startHttpApp(settings: HttpAppSettings): Promise<{ app: INestApplication; port: number }> {
  const { module, close } = settings.kind === 'plain' ? plainModule(settings) : packageModule(settings);
  const app =
    settings.platform === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: false, abortOnError: false })
      : await NestFactory.create(module, { logger: false, abortOnError: false });
  app.enableShutdownHooks();
  const server = await app.listen(0, '127.0.0.1');
  const address = (settings.platform === 'fastify' ? app.getHttpServer() : server).address();
  const origClose = app.close.bind(app);
  app.close = async () => {
    await origClose();
    await close();
  };
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}
