import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrismaClient } from './fixtures/generated/client';
import {
  TenancyConfigError,
  TenancyModule,
  TenantContext,
  TenantPrisma,
  TenantRepository,
  type TenancyModuleOptions,
} from '../lib';
import { createTestDatabase, type TestDatabase } from './support';

describe('TenancyModule', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const valid = (): TenancyModuleOptions<PrismaClient> => ({
    strategy: 'rls',
    databaseUrl: db.appUrl,
    createClient: (adapter) => new PrismaClient({ adapter }),
    tenants: [{ id: 'acme', status: 'active' }],
  });

  async function boot(imports: any[], providers: any[] = []) {
    const moduleRef = await Test.createTestingModule({ imports, providers }).compile();
    return moduleRef.init();
  }

  it.each([
    ['strategy', { strategy: 'nosql' }, /"strategy".*expected one of 'rls', 'schema', 'database'/],
    ['strategies', { strategies: ['schema'] }, /"strategies".*must include the default strategy 'rls'/],
    ['clientPool.max', { clientPool: { max: 0 } }, /"clientPool\.max"/],
    ['database.poolSize', { database: { poolSize: 10, connectionBudget: 4 } }, /"database\.poolSize".*must not exceed/],
    ['database.encryptionKeys', { database: { encryptionKeys: ['too-short'] } }, /"database\.encryptionKeys/],
    ['databaseUrl', { databaseUrl: 'mysql://x' }, /"databaseUrl".*postgresql:\/\//],
    ['createClient', { createClient: 'nope' }, /"createClient".*expected a function/],
    ['store and tenants', { store: { findById: async () => null } }, /"store".*either/],
    ['tenants[0].status', { tenants: [{ id: 'a', status: 'paused' }] }, /"tenants\[0\]\.status"/],
    ['resolvers[0].type', { resolvers: [{ type: 'cookie' }] }, /"resolvers\[0\]\.type"/],
    [
      'resolvers[1].header',
      { resolvers: [{ type: 'path' }, { type: 'header', header: 42 }] },
      /"resolvers\[1\]\.header".*non-empty string/,
    ],
    ['tenantIdPattern', { tenantIdPattern: /a/g }, /"tenantIdPattern".*g or y flag/],
    ['cache.ttlMs', { cache: { ttlMs: -1 } }, /"cache\.ttlMs"/],
    ['rls.setting', { rls: { setting: "x'; drop" } }, /"rls\.setting"/],
    ['rls.mode', { rls: { mode: 'fast' } }, /"rls\.mode"/],
  ])('refuses to boot with an invalid %s, naming the field', async (_field, patch, message) => {
    const options = { ...valid(), ...patch } as TenancyModuleOptions;
    await expect(boot([TenancyModule.forRoot(options)])).rejects.toThrow(TenancyConfigError);
    await expect(boot([TenancyModule.forRoot(options)])).rejects.toThrow(message);
  });

  @Injectable()
  class ProjectRepository extends TenantRepository<PrismaClient> {
    count() {
      return this.db.project.count();
    }
  }

  @Injectable()
  class TenancyConfig {
    createTenancyOptions() {
      return valid();
    }
  }
  @Module({ providers: [TenancyConfig], exports: [TenancyConfig] })
  class ConfigModule {}

  it.each([
    ['useFactory', () => TenancyModule.forRootAsync({ useFactory: async () => valid() })],
    ['useClass', () => TenancyModule.forRootAsync({ useClass: TenancyConfig })],
    ['useExisting', () => TenancyModule.forRootAsync({ imports: [ConfigModule], useExisting: TenancyConfig })],
  ])('forRootAsync with %s wires TenantPrisma, TenantContext and repositories', async (_kind, make) => {
    const app = await boot([make()], [ProjectRepository]);
    const context = app.get(TenantContext);
    const repo = app.get(ProjectRepository);
    expect(await context.run('acme', () => repo.count())).toBe(0);
    expect(() => app.get(TenantPrisma).client).toThrow(/No tenant/);
    await app.close();
  });
});
