import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrismaClient } from '../../test/fixtures/generated/client';
import {
  TenancyModule,
  TenantContext,
  TenantPoolService,
  TenantPrisma,
  type Tenant,
  type TenancyModuleOptions,
} from '../../lib';

/** The package booted in a Nest application context, as a bench drives it. */
export interface BenchTenancyApp {
  app: INestApplicationContext;
  context: TenantContext;
  prisma: TenantPrisma<PrismaClient>;
  pools: TenantPoolService;
  close(): Promise<void>;
}

/**
 * Boots `TenancyModule.forRoot` with the given tenants and options, logging
 * off, the tenant cache big and long-lived enough that lookups never reach
 * the store twice during a run (the bench measures the client pool, not the
 * store).
 */
export async function bootTenancyApp(
  databaseUrl: string,
  tenants: Tenant[],
  options: Partial<TenancyModuleOptions<PrismaClient>>,
): Promise<BenchTenancyApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot({
        strategy: 'schema',
        databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants,
        sharedModels: ['Plan'],
        globalGuard: false,
        cache: { ttlMs: 3_600_000, max: Math.max(10_000, tenants.length) },
        ...options,
      }),
    ],
  })
    .setLogger(false as never)
    .compile();
  const app = await moduleRef.init();
  return {
    app,
    context: app.get(TenantContext),
    prisma: app.get<TenantPrisma<PrismaClient>>(TenantPrisma),
    pools: app.get(TenantPoolService),
    close: () => app.close(),
  };
}
