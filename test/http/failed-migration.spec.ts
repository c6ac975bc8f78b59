import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';

import { PrismaClient } from '../fixtures/generated/client';
import {
  TenancyConfigError,
  TenancyModule,
  TenantMigrationFailedError,
  TenantPrisma,
  TenantUnavailableError,
} from '../../lib';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';
import { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import type { RegistryTenant } from '../../lib/registry/registry-tenant.interface';
import { migrationsOf, tenantIds } from '../provisioning/provisioning-fixtures';
import { createTestDatabase, FIXTURE_MIGRATIONS, fixtureMigrationSql, TEST_ROLES, type TestDatabase } from '../support';
import { expectTenancyError } from '../support/http-app';

const INIT = migrationsOf({ [FIXTURE_MIGRATIONS.init]: fixtureMigrationSql(FIXTURE_MIGRATIONS.init) });
const NEXT = '20260101000000_next';
const BROKEN = migrationsOf({ [NEXT]: 'ALTER TABLE "projects" ADD COLUMN "x" no_such_type;\n' });
const FIXED = migrationsOf({ [NEXT]: 'ALTER TABLE "projects" ADD COLUMN "x" TEXT;\n' });

/** The registry store, counting lookups: the migration state must come with the cached tenant, not per request. */
class CountingStore extends PrismaTenantStore {
  lookups = 0;
  override findById(id: string): Promise<RegistryTenant | null> {
    this.lookups++;
    return super.findById(id);
  }
}

@Controller()
class ProjectsController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}
  @Get('projects') async count() {
    return { count: await this.prisma.client.project.count() };
  }
}

// A tenant whose migration failed stays active on its previous schema version.
// `migrations.onFailed` decides whether the app serves it meanwhile.
describe.each(['refuse', 'serve'] as const)('a tenant whose last migration failed, onFailed: %s', (onFailed) => {
  let db: TestDatabase;
  let store: CountingStore;
  let app: INestApplication;
  const made: TenantProvisioner[] = [];
  const [healthy, broken] = tenantIds('mig', 2);

  const provisioner = (migrations = INIT) => {
    const created = new TenantProvisioner({
      store,
      migrations,
      ownerUrl: db.ownerUrl,
      appRole: TEST_ROLES.app.name,
      defaultStrategy: 'schema',
    });
    made.push(created);
    return created;
  };
  const get = (tenantId: string) => request(app.getHttpServer()).get('/projects').set('x-tenant-id', tenantId);

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    store = new CountingStore(db.ownerUrl);
    await store.migrate();
    await provisioner().provision({ id: healthy });
    await provisioner().provision({ id: broken });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy: 'schema',
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          store,
          migrations: { onFailed },
        }),
      ],
      controllers: [ProjectsController],
    }).compile();
    app = moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(made.map((p) => p.close()));
    await store?.close();
    await db?.drop();
  });

  it('before: both tenants are served', async () => {
    await get(healthy).expect(200, { count: 0 });
    await get(broken).expect(200, { count: 0 });
  });

  it(`after the failure: ${onFailed === 'refuse' ? '503 TENANT_MIGRATION_FAILED' : 'served on its old version'}, from the cached record`, async () => {
    await expect(provisioner([...INIT, ...BROKEN]).migrate(broken)).rejects.toThrow(/failed/);
    expect((await store.findById(broken))?.lastError).toMatch(NEXT);
    const before = store.lookups;
    for (let i = 0; i < 5; i++) {
      const response = await get(broken);
      if (onFailed === 'refuse') {
        expectTenancyError(response, 503, 'TENANT_MIGRATION_FAILED');
        expect(response.body.message).toBe(
          `Tenant "${broken}" is temporarily unavailable: its last migration failed; it is served again once a migration run succeeds`,
        );
      } else expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { count: 0 } });
    }
    // One lookup after the store's own write invalidated the tenant, then the cache: no query per request.
    expect(store.lookups - before).toBeLessThanOrEqual(1);
    await get(healthy).expect(200, { count: 0 });
  });

  it('once resolved and migrated, it is served again', async () => {
    expect(await provisioner([...INIT, ...BROKEN]).markRolledBack(broken, NEXT)).toBe(1);
    await provisioner([...INIT, ...FIXED]).migrate(broken);
    expect((await store.findById(broken))?.lastError).toBeNull();
    await get(broken).expect(200, { count: 0 });
  });
});

describe('migrations.onFailed option', () => {
  const base = {
    strategy: 'rls' as const,
    databaseUrl: 'postgresql://unused@127.0.0.1:5432/unused',
    createClient: () => ({}),
    tenants: [],
  };

  it("defaults to 'serve' and refuses anything but 'serve' or 'refuse', naming the field", () => {
    expect(resolveTenancyOptions(base).migrations).toEqual({ onFailed: 'serve' });
    expect(resolveTenancyOptions({ ...base, migrations: { onFailed: 'refuse' } }).migrations.onFailed).toBe('refuse');
    expect(() => resolveTenancyOptions({ ...base, migrations: { onFailed: 'block' as never } })).toThrow(
      new TenancyConfigError('migrations.onFailed', "expected 'serve' or 'refuse'"),
    );
  });

  it('TenantMigrationFailedError is a TenantUnavailableError with its own code, in the body too', () => {
    const error = new TenantMigrationFailedError('acme');
    expect(error).toBeInstanceOf(TenantUnavailableError);
    expect([error.errorCode, error.getStatus(), error.getResponse()]).toEqual([
      'TENANT_MIGRATION_FAILED',
      503,
      { statusCode: 503, error: 'TENANT_MIGRATION_FAILED', message: error.message },
    ]);
  });
});
