import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../../examples/src/app.module';
import { applyMigrations } from '../../examples/src/setup/migrations';
import { seed } from '../../examples/src/setup/seed';
import { createTenancyTestingApp, expectNoTenantLeaks } from '../../lib/testing';
import { createTestDatabase, type TestDatabase } from '../support';
import { HTTP_PLATFORMS } from '../support/http-app';

// The example app, as users copy it, must pass the leak test it would add
// first. Its database is set up as the example's own start does (its
// migrations applied by the table owner, the app connected as a role that
// owns nothing, its seed), on a database of the test harness rather than the
// fixed `tenancy_example` one, so it never meets test/examples running alongside.
describe.each(HTTP_PLATFORMS)('the leak test on the example app (%s)', (platform) => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    await applyMigrations(db.ownerUrl, join(__dirname, '..', '..', 'examples', 'prisma', 'migrations'));
    app = await createTenancyTestingApp(
      { imports: [AppModule.forDatabase(db.appUrl)] },
      { httpAdapter: platform === 'fastify' ? new FastifyAdapter() : undefined, logger: false },
    );
    await seed(app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('finds no leak, reads and writes, with canaries in every tenant-scoped model', async () => {
    const report = await expectNoTenantLeaks(app, { tenants: ['acme', 'globex'], allowWrites: true });
    expect(report.leaks).toEqual([]);
    expect([...new Set(report.canaries.map((c) => c.model))].sort()).toEqual(['Project', 'Task']);
    expect(report.skippedModels).toEqual([]);
    const called = report.routes.map((r) => `${r.route.method} ${r.route.path}`);
    expect(called).toEqual(
      expect.arrayContaining([
        'GET /projects',
        'GET /projects/:id',
        'POST /projects',
        'POST /projects/:id/tasks',
        'GET /plans',
        'POST /digest',
        'GET /health',
      ]),
    );
    expect(report.skippedRoutes).toEqual([]);
    // The routes that serve tenant rows showed the owner its own canaries: the test had something to find.
    const shows = (path: string) => report.routes.find((r) => r.route.path === path)?.showsOwnerData;
    expect(shows('/projects')).toBe(true);
    expect(shows('/projects/:id')).toBe(true);
    // Only the operator's per-tenant health check answers 503, for the parameter values that are no tenant.
    expect(report.warnings.filter((w) => w.route?.path !== '/health/tenants/:id')).toEqual([]);
  }, 120_000);
});
