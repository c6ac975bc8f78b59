import { createServer } from 'node:net';
import type { Tenant } from '../../lib';
import { serverAdminUrl, TEST_ROLES } from '../support';
import { createDatabaseTenants, type DatabaseTenants } from '../strategies/database/database-app';
import { dropTenantDatabases } from '../strategies/database/tenant-servers';
import { bootHealthApp, expectNoSecrets, type HealthTestApp } from './health-app';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('TenancyHealthIndicator over HTTP: database strategy', () => {
  let setup: DatabaseTenants;
  let tenants: Tenant[];

  beforeAll(async () => {
    setup = await createDatabaseTenants(['alpha', 'beta', 'gamma'], [serverAdminUrl()]);
    const closed = setup.tenants[0].databaseUrl!.replace(/@[^/]+\//, `@127.0.0.1:${await closedPort()}/`);
    tenants = [
      ...setup.tenants,
      { id: 'closed', status: 'active', databaseUrl: closed },
      { id: 'paused', status: 'suspended', databaseUrl: setup.tenants[0].databaseUrl },
    ];
  }, 60_000);
  afterAll(() => setup?.drop(), 60_000);

  describe('checkTenant(id)', () => {
    let t: HealthTestApp;

    beforeAll(async () => {
      t = await bootHealthApp({
        strategy: 'database',
        strategies: ['database'],
        databaseUrl: setup.shared.appUrl,
        tenants,
        database: { connectTimeoutMs: 1_000 },
      });
    });
    afterAll(() => t?.close());

    it('is up (200) for a tenant whose database answers SELECT 1 as that tenant, and the shared check needs no tenant', async () => {
      const response = await t.get('/health/tenants/alpha');
      expect(response.status).toBe(200);
      expect(response.body.info).toEqual({
        tenancy_tenant_alpha: {
          status: 'up',
          tenantId: 'alpha',
          strategy: 'database',
          responseTimeMs: expect.any(Number),
        },
      });
      const shared = await t.get('/health');
      expect(shared.status).toBe(200);
      expect(shared.body.info.tenancy_pool.database).toMatchObject({
        clients: { size: 1, created: 1 },
        budget: { limit: 100 },
        sharedPool: { max: 10 },
      });
    });

    it('is down (503) with TENANT_UNAVAILABLE for a tenant whose server is unreachable, without its URL or password', async () => {
      const response = await t.get('/health/tenants/closed');
      expect(response.status).toBe(503);
      expect(response.body.error).toEqual({
        tenancy_tenant_closed: {
          status: 'down',
          tenantId: 'closed',
          strategy: 'database',
          error: 'TENANT_UNAVAILABLE',
          message: 'Tenant "closed" is temporarily unavailable: its database cannot be reached',
        },
      });
      expectNoSecrets(response.text, TEST_ROLES.app.password);
    });

    it('is down (503) once the tenant database is gone, and the other tenants stay up', async () => {
      expect((await t.get('/health/tenants/beta')).status).toBe(200);
      await dropTenantDatabases(serverAdminUrl(), [setup.databases.get('beta')!]);

      const response = await t.get('/health/tenants/beta');
      expect(response.status).toBe(503);
      expect(response.body.error.tenancy_tenant_beta).toMatchObject({ status: 'down', tenantId: 'beta' });
      // Its pooled connections died with the database, and a new one is refused: either answer is the package's.
      expect(['TENANT_UNAVAILABLE', 'TENANT_MISCONFIGURED']).toContain(response.body.error.tenancy_tenant_beta.error);
      expectNoSecrets(response.text, TEST_ROLES.app.password, setup.databases.get('beta')!.name);
      expect((await t.get('/health/tenants/gamma')).status).toBe(200);
    });

    it('is down (503) for unknown, inactive and malformed ids, never echoing a malformed one', async () => {
      const unknown = await t.get('/health/tenants/nobody');
      expect(unknown.status).toBe(503);
      expect(unknown.body.error.tenancy_tenant_nobody).toMatchObject({ status: 'down', error: 'TENANT_NOT_FOUND' });

      const paused = await t.get('/health/tenants/paused');
      expect(paused.body.error.tenancy_tenant_paused).toMatchObject({ status: 'down', error: 'TENANT_INACTIVE' });

      const malformed = await t.get('/health/tenants/Bad_Tenant');
      expect(malformed.status).toBe(503);
      expect(malformed.body.error).toEqual({
        tenancy_tenant: { status: 'down', error: 'TENANT_ID_INVALID', message: expect.any(String) },
      });
      expect(malformed.text).not.toContain('Bad_Tenant');
    });
  });

  describe('checkPool with a full connection budget', () => {
    let t: HealthTestApp;

    beforeAll(async () => {
      t = await bootHealthApp({
        strategy: 'database',
        strategies: ['database'],
        databaseUrl: setup.shared.appUrl,
        tenants,
        database: { connectionBudget: 1, poolSize: 1, budgetWaitMs: 4_000 },
      });
    });
    afterAll(() => t?.close());

    it('is down (503) while a tenant waits for a budget slot, up again afterwards', async () => {
      const busy = t.as('alpha', (p) => p.$queryRaw`SELECT pg_sleep(1.5)::text`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waiting = t.as('gamma', (p) => p.project.count());
      await new Promise((resolve) => setTimeout(resolve, 100));

      const down = await t.get('/health/pool');
      expect(down.status).toBe(503);
      expect(down.body.error.tenancy_pool).toMatchObject({
        status: 'down',
        database: { budget: { used: 1, limit: 1, waiting: 1 }, clients: { inFlight: 2 } },
        reasons: ['database: 1 waiting for a slot of the connection budget (1 of 1 in use)'],
      });

      await Promise.all([busy, waiting]);
      const up = await t.get('/health/pool');
      expect(up.status).toBe(200);
      expect(up.body.info.tenancy_pool.database.budget).toMatchObject({ waiting: 0, limit: 1, peak: 1 });
    });
  });
});
