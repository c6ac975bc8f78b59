import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { INestApplication } from '@nestjs/common';
import type { PrismaClient } from '../fixtures/generated/client';
import { rlsPolicySql, type Tenant, type TenancyModuleOptions } from '../../lib';
import {
  createTenancyTestingApp,
  expectNoTenantLeaks,
  runAsTenant,
  TenantLeakError,
  type TenantLeakReport,
} from '../../lib/testing';
import { createTestDatabase, FIXTURE_MIGRATIONS, serverAdminUrl } from '../support';
import { createDatabaseTenants } from '../strategies/database/database-app';
import { createSchemaTenantsDatabase } from '../strategies/schema/schema-tenants';
import { LeakyAppModule } from './leaky-app';

const OWNER = 'acme';
const OBSERVER = 'globex';

interface Setup {
  label: string;
  platform: 'express' | 'fastify';
  /** Routes that must be reported; every other route must not be. */
  leaky: string[];
  database: () => Promise<{ url: string; tenants: Tenant[]; drop: () => Promise<void> }>;
  options: Partial<TenancyModuleOptions<PrismaClient>>;
}

const ALWAYS_LEAKY = ['GET /leaky/cached/projects', 'GET /leaky/loader/projects/:id'];
const RAW_LEAKY = ['GET /leaky/raw-projects', 'PATCH /leaky/rename/:id'];
const ids = (...tenants: string[]) => tenants.map((id): Tenant => ({ id, status: 'active' }));

/**
 * The RLS database lacks the policies of `projects` (tasks keep theirs): a
 * table a migration forgot. The boot self-check would refuse it (a table with
 * a tenant_id column and no RLS, reachable by the app role), which is why a
 * real app cannot ship this hole; the leaky app turns the check off
 * (`rls.selfCheck: false`) to stand for one the check cannot see, such as a
 * table whose tenant column has another name.
 */
async function rlsDatabase() {
  const db = await createTestDatabase({
    migrations: [FIXTURE_MIGRATIONS.init],
    sql: rlsPolicySql({ table: 'tasks' }),
  });
  return { url: db.appUrl, tenants: ids(OWNER, OBSERVER), drop: () => db.drop() };
}

const SETUPS: Setup[] = [
  {
    label: 'rls on Express',
    platform: 'express',
    leaky: [...ALWAYS_LEAKY, ...RAW_LEAKY],
    database: rlsDatabase,
    options: { rls: { selfCheck: false } },
  },
  {
    label: 'rls on Fastify',
    platform: 'fastify',
    leaky: [...ALWAYS_LEAKY, ...RAW_LEAKY],
    database: rlsDatabase,
    options: { rls: { selfCheck: false } },
  },
  {
    // Raw SQL runs with the tenant's schema as search path: the raw routes are confined there.
    label: 'schema on Express',
    platform: 'express',
    leaky: ALWAYS_LEAKY,
    database: async () => {
      const db = await createSchemaTenantsDatabase([OWNER, OBSERVER]);
      return { url: db.appUrl, tenants: ids(OWNER, OBSERVER), drop: () => db.drop() };
    },
    options: { strategy: 'schema', strategies: ['schema'] },
  },
  {
    label: 'database on Fastify',
    platform: 'fastify',
    leaky: ALWAYS_LEAKY,
    database: async () => {
      const setup = await createDatabaseTenants([OWNER, OBSERVER], [serverAdminUrl()]);
      return { url: setup.shared.appUrl, tenants: setup.tenants, drop: () => setup.drop() };
    },
    options: { strategy: 'database', strategies: ['database'], database: { connectTimeoutMs: 20_000 } },
  },
];

describe.each(SETUPS)('the leak test on the leaky app: $label', (setup) => {
  let app: INestApplication;
  let drop: (() => Promise<void>) | undefined;
  let error: unknown;
  let report: TenantLeakReport;

  beforeAll(async () => {
    const database = await setup.database();
    drop = database.drop;
    // The app's own options name a database that does not exist and a store with no tenant: the kit replaces both.
    app = await createTenancyTestingApp(
      { imports: [LeakyAppModule.forRoot(setup.options)] },
      {
        databaseUrl: database.url,
        tenants: database.tenants,
        httpAdapter: setup.platform === 'fastify' ? new FastifyAdapter() : undefined,
        logger: false,
      },
    );
    // One run per app: the leaky cache and loader stay filled by the first run's owner.
    error = await expectNoTenantLeaks(app, { tenants: [OWNER, OBSERVER], allowWrites: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    report = (error as TenantLeakError).report;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await drop?.();
  }, 60_000);

  it('fails with a TenantLeakError whose message names each leaky route and the canary it saw', () => {
    expect(error).toBeInstanceOf(TenantLeakError);
    const message = (error as TenantLeakError).message;
    for (const route of setup.leaky) expect(message).toContain(route);
    const projectName = report.canaries.find((c) => c.model === 'Project' && c.field === 'name')!;
    expect(projectName.value).toMatch(/^canary-[0-9a-f]{8}-\d+$/);
    expect(message).toContain(`Project.name "${projectName.value}"`);
  });

  it('reports exactly the leaky routes, each with one of the owner Project canaries', () => {
    const leaked = [...new Set(report.leaks.map((l) => `${l.route.method} ${l.route.path}`))].sort();
    expect(leaked).toEqual([...setup.leaky].sort());
    const ownerValues = new Set(report.canaries.map((c) => c.value));
    for (const leak of report.leaks) {
      if (leak.kind === 'response') {
        expect(leak.canary.model).toBe('Project');
        expect(ownerValues.has(leak.canary.value)).toBe(true);
      } else {
        expect(leak).toMatchObject({
          route: { path: '/leaky/rename/:id' },
          change: { model: 'Project', change: 'changed', fields: ['name'] },
        });
      }
    }
  });

  it('catches the kept client by asking for the owner project id, which the answer does not merely echo', () => {
    const projectId = report.canaries.find((c) => c.model === 'Project' && c.field === 'id')!.value;
    const loaderLeaks = report.leaks.filter((l) => l.route.path === '/leaky/loader/projects/:id');
    expect(loaderLeaks).toContainEqual(
      expect.objectContaining({
        path: `/leaky/loader/projects/${projectId}`,
        status: 200,
        canary: expect.objectContaining({ field: 'name' }),
      }),
    );
    // The id it was asked for is in the answer too, but as an echo it is not counted.
    expect(loaderLeaks.some((l) => l.kind === 'response' && l.canary.value === projectId)).toBe(false);
  });

  it('writes a canary row per tenant-scoped model, none in the shared Plan, and deletes them afterwards', async () => {
    expect([...new Set(report.canaries.map((c) => c.model))].sort()).toEqual(['Project', 'Task']);
    expect(report.skippedModels).toEqual([]);
    const left = await runAsTenant(app, OWNER, (db: PrismaClient) =>
      db.task.count({ where: { title: { startsWith: report.marker } } }),
    );
    expect(left).toBe(0);
  });

  it('saw the owner data on the routes that serve it, and reports the 500 as a warning, not a leak', () => {
    const shows = (path: string) =>
      report.routes.find((r) => r.route.path === path && r.route.method === 'GET')?.showsOwnerData;
    expect(shows('/projects')).toBe(true);
    expect(shows('/projects/:id')).toBe(true);
    expect(shows('/public/plans')).toBe(false);
    expect(report.warnings).toContainEqual(
      expect.objectContaining({
        route: expect.objectContaining({ path: '/leaky/boom' }),
        message: expect.stringMatching(/^answered 500/),
      }),
    );
    expect(report.leaks.some((l) => l.route.path === '/leaky/boom')).toBe(false);
    expect(report.routes.find((r) => r.route.method === 'POST' && r.route.path === '/projects')).toBeDefined();
  });

  it('passes once the leaky routes are skipped', async () => {
    const clean = await expectNoTenantLeaks(app, {
      tenants: [OWNER, OBSERVER],
      allowWrites: (route) => !route.path.startsWith('/leaky'),
      skip: (route) => route.path.startsWith('/leaky') && route.path !== '/leaky/count',
    });
    expect(clean.leaks).toEqual([]);
    expect(clean.routes.map((r) => `${r.route.method} ${r.route.path}`)).toContain('GET /leaky/count');
  });
});
