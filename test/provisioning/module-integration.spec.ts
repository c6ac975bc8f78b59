import { randomBytes } from 'node:crypto';

import { TenantInactiveError } from '../../lib/errors/tenant-inactive.error';
import { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import type { Tenant, TenancyStrategyName } from '../../lib/store/tenant.interface';
import { bootRlsApp, type RlsTestApp } from '../strategies/rls/rls-app';
import {
  createTestDatabase,
  FIXTURE_MIGRATIONS,
  fixtureMigrationSql,
  serverAdminUrl,
  TEST_ROLES,
  type TestDatabase,
} from '../support';
import { waitFor } from '../registry/wait-for';
import { migrationsOf, tenantIds } from './provisioning-fixtures';

const PREFIX = `tenancy_t_${process.env.TENANCY_TEST_RUN_ID}_m`;
const naming = (tenant: Tenant) => `${PREFIX}_${tenant.id.replace(/-/g, '_')}`;

// The wiring the module is meant to do for a registry: the store (ciphertext
// handed to the database strategy, which decrypts it), its writes invalidating
// the cache, and a listener doing the same for writes made by other processes.
describe.each<TenancyStrategyName>(['schema', 'database'])(
  'provisioned %s tenants served by the module',
  (strategy) => {
    const key = randomBytes(32);
    let shared: TestDatabase;
    let store: PrismaTenantStore;
    let provisioner: TenantProvisioner;
    let t: RlsTestApp;

    beforeAll(async () => {
      shared = await createTestDatabase({ migrations: [FIXTURE_MIGRATIONS.init] });
      const cipher = new TenantSecretCipher({ keys: [key] });
      store = new PrismaTenantStore(shared.ownerUrl, { cipher, decryptOnRead: false });
      await store.migrate();
      provisioner = new TenantProvisioner({
        store,
        migrations: migrationsOf({ [FIXTURE_MIGRATIONS.init]: fixtureMigrationSql(FIXTURE_MIGRATIONS.init) }),
        ownerUrl: shared.ownerUrl,
        appRole: TEST_ROLES.app.name,
        defaultStrategy: strategy,
        database: { adminUrl: serverAdminUrl(), appUrl: shared.appUrl, naming },
      });
      t = await bootRlsApp(shared.appUrl, {
        strategy,
        strategies: [strategy],
        tenants: undefined,
        store,
        database: { encryptionKeys: [key] },
        // The module hooks the store's own writes into its cache, and LISTENs for other processes' writes.
        registryListener: { connection: shared.ownerUrl },
      });
    });

    afterAll(async () => {
      await t?.close();
      for (const tenant of (await store?.list()) ?? []) {
        if (tenant.status !== 'deleted')
          await provisioner.deprovision(tenant.id, { confirm: tenant.id }).catch(() => undefined);
      }
      await provisioner?.close();
      await store?.close();
      await shared?.drop();
    });

    it('serves a tenant once provisioned, isolated from another, and stops at once when suspended', async () => {
      const [a, b] = tenantIds(`e2e-${strategy}`, 2);
      await expect(t.as(a, (db) => db.project.count())).rejects.toBeInstanceOf(Error);
      await provisioner.provision({ id: a });
      await provisioner.provision({ id: b });

      await t.as(a, (db) => db.project.create({ data: { id: 'pa', name: 'of A' } }));
      expect(await t.as(a, (db) => db.project.findMany({ select: { id: true } }))).toEqual([{ id: 'pa' }]);
      expect(await t.as(b, (db) => db.project.count())).toBe(0);

      await provisioner.suspend(a);
      await expect(t.as(a, (db) => db.project.count())).rejects.toBeInstanceOf(TenantInactiveError);
      await provisioner.activate(a);
      expect(await t.as(a, (db) => db.project.count())).toBe(1);
    });

    it("hears another process's change through the NOTIFY listener", async () => {
      const [id] = tenantIds(`e2e-${strategy}-remote`, 1);
      await provisioner.provision({ id });
      expect(await t.as(id, (db) => db.project.count())).toBe(0);

      // Another instance: its own store and provisioner, none of this app's hooks.
      const remoteStore = new PrismaTenantStore(shared.ownerUrl, { cipher: new TenantSecretCipher({ keys: [key] }) });
      const remote = new TenantProvisioner({
        store: remoteStore,
        migrations: [],
        ownerUrl: shared.ownerUrl,
        appRole: TEST_ROLES.app.name,
      });
      try {
        await remote.suspend(id);
        await waitFor('the suspension to reach this app', async () =>
          t.as(id, async () => false).catch((error) => error instanceof TenantInactiveError),
        );
      } finally {
        await remote.close();
        await remoteStore.close();
      }
    });
  },
);
