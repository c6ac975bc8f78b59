import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaClient } from '../../fixtures/generated/client';
import { TenancyModule, TenantContext, TenantPrisma, type Tenant, type TenancyModuleOptions } from '../../../lib';

/** Ten active tenants t0..t9, plus inactive ones. */
export const TEST_TENANTS: Tenant[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, status: 'active' as const })),
  { id: 'suspended1', status: 'suspended' },
  { id: 'provisioning1', status: 'provisioning' },
];

export interface RlsTestApp {
  app: INestApplicationContext;
  context: TenantContext;
  prisma: TenantPrisma<PrismaClient>;
  /** Runs `fn` as `tenantId` with the tenant's client. */
  as<T>(tenantId: string, fn: (db: PrismaClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Boots the package in a Nest application context on the RLS strategy. */
export async function bootRlsApp(
  databaseUrl: string,
  overrides: Partial<TenancyModuleOptions<PrismaClient>> = {},
): Promise<RlsTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: TEST_TENANTS,
        sharedModels: ['Plan'],
        ...overrides,
      }),
    ],
  }).compile();
  const app = await moduleRef.init();
  const context = app.get(TenantContext);
  const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);
  return {
    app,
    context,
    prisma,
    as: (tenantId, fn) => context.run(tenantId, () => fn(prisma.client)),
    close: () => app.close(),
  };
}
