import { createTestDatabase, TEST_ROLES, type TestDatabase, withClient } from '../support';
import { waitFor } from '../registry/wait-for';
import { bootHealthApp, expectNoSecrets, type HealthTestApp } from './health-app';

const TENANTS = [
  { id: 'acme', status: 'active' as const },
  { id: 'globex', status: 'active' as const },
];

describe('TenancyHealthIndicator over HTTP: the shared database, the registry listener, the pool', () => {
  describe('an app whose shared database is then dropped', () => {
    let db: TestDatabase;
    let t: HealthTestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await bootHealthApp({ databaseUrl: db.appUrl, tenants: TENANTS });
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('is up (200) while the database answers, without a tenant and without secrets in the body', async () => {
      const response = await t.get('/health');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        info: {
          tenancy_database: { status: 'up', strategy: 'rls', responseTimeMs: expect.any(Number) },
          tenancy_registry_listener: { status: 'up', configured: false },
          tenancy_pool: { status: 'up', rls: { sharedPool: { max: 10, waiting: 0 } } },
        },
        error: {},
      });
      expectNoSecrets(response.text, TEST_ROLES.app.password);
    });

    it('is down (503) once the database is gone, with the SQLSTATE and no secrets; the check never used a tenant', async () => {
      await db.drop();
      const response = await t.get('/health');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({
        status: 'error',
        error: { tenancy_database: { status: 'down', strategy: 'rls', error: '3D000' } },
        info: { tenancy_pool: { status: 'up' } },
      });
      expect(response.body.error.tenancy_database.message).toMatch(/does not exist/);
      expectNoSecrets(response.text, TEST_ROLES.app.password);
    });
  });

  describe('a registry listener', () => {
    let db: TestDatabase;
    let t: HealthTestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await bootHealthApp({
        databaseUrl: db.appUrl,
        tenants: TENANTS,
        // A long reconnect delay keeps it down once its connection is cut.
        registryListener: { connection: db.ownerUrl, reconnectDelayMs: 60_000, healthCheckIntervalMs: 0 },
      });
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('is up while listening and down (503) while its connection is lost', async () => {
      const up = await t.get('/health');
      expect(up.status).toBe(200);
      expect(up.body.info.tenancy_registry_listener).toEqual({ status: 'up', configured: true, listening: true });

      const killed = await withClient(db.adminUrl, async (admin) => {
        const { rows } = await admin.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE datname = $1 AND usename = $2 AND query ILIKE 'LISTEN%'`,
          [db.name, TEST_ROLES.owner.name],
        );
        return rows;
      });
      expect(killed).toEqual([{ killed: true }]);

      let down = await t.get('/health');
      await waitFor('the listener to notice', async () => {
        down = await t.get('/health');
        return down.status === 503;
      });
      expect(down.body.error).toEqual({
        tenancy_registry_listener: {
          status: 'down',
          configured: true,
          listening: false,
          message: 'reconnecting to the registry database',
        },
      });
      expectNoSecrets(down.text, TEST_ROLES.owner.password);
    });
  });

  describe('a saturated shared pool', () => {
    let db: TestDatabase;
    let t: HealthTestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await bootHealthApp({ databaseUrl: db.appUrl, tenants: TENANTS, pool: { max: 1 } });
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('is down (503) while a statement waits for a connection, and up again once it got one', async () => {
      const busy = t.as('acme', (p) => p.$queryRaw`SELECT pg_sleep(1.5)::text`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const waiting = t.as('globex', (p) => p.project.count());

      const down = await t.get('/health/pool');
      expect(down.status).toBe(503);
      expect(down.body.error.tenancy_pool).toEqual({
        status: 'down',
        rls: { sharedPool: { total: 1, idle: 0, waiting: 1, max: 1 } },
        reasons: ['rls: 1 waiting for a connection of the shared pool (1 of 1 busy)'],
      });
      // A threshold lets a short queue pass.
      expect((await t.get('/health/pool?maxWaiting=1')).status).toBe(200);

      await Promise.all([busy, waiting]);
      const up = await t.get('/health/pool');
      expect(up.status).toBe(200);
      expect(up.body.info.tenancy_pool.rls.sharedPool).toMatchObject({ waiting: 0, max: 1 });
    });
  });
});
