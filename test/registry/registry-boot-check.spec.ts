import { Test, type TestingModule } from '@nestjs/testing';

import { TenancyConfigError, TenancyModule, TenantContext, TenantPrisma } from '../../lib';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { PrismaClient } from '../fixtures/generated/client';
import { createTestDatabase, TEST_ROLES, withClient, type TestDatabase } from '../support';

// An app role without the grants to read the registry used to boot fine and
// answer every request with a bare 500 (permission denied). The store now
// checks at boot, and the error says which privilege is missing and the
// GRANT to run: running exactly that GRANT makes the app boot and serve.
describe('PrismaTenantStore as the module store: the registry is checked at boot', () => {
  const app = TEST_ROLES.app.name;
  let db: TestDatabase;
  let owner: PrismaTenantStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new PrismaTenantStore(db.ownerUrl);
    await owner.migrate();
    await owner.create({ id: 'acme', status: 'active' });
    // The test database grants the app role everything its owner creates: take the registry's grants back.
    await asOwner(`REVOKE USAGE ON SCHEMA tenancy FROM ${app}; REVOKE SELECT ON tenancy.tenancy_tenants FROM ${app};`);
  });

  afterAll(async () => {
    await owner?.close();
    await db?.drop();
  });

  const asOwner = (sql: string) => withClient(db.ownerUrl, (client) => client.query(sql));

  async function boot(store: PrismaTenantStore): Promise<TestingModule> {
    return Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy: 'rls',
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          store,
        }),
      ],
    }).compile();
  }

  /** Boots with a store on the app role and returns the boot error (closing what was opened). */
  async function bootError(store = new PrismaTenantStore(db.appUrl)): Promise<TenancyConfigError> {
    const moduleRef = await boot(store);
    let error: unknown;
    try {
      error = await moduleRef.init().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TenancyConfigError);
      return error as TenancyConfigError;
    } finally {
      // NestJS 11's close() awaits the failed init again and rethrows its error; 12's does not.
      await moduleRef.close().catch((closeError: unknown) => {
        if (closeError !== error) throw closeError;
      });
      await store.close();
    }
  }

  /** The statements the message tells the owner to run. */
  const grantsIn = (error: Error) => /run: (GRANT .*)$/.exec(error.message)?.[1];

  it('without USAGE on the schema nor SELECT on the table: refuses to boot, naming both and their GRANTs', async () => {
    // What requests got before: the lookup itself fails with PostgreSQL's permission error.
    const bare = new PrismaTenantStore(db.appUrl);
    await expect(bare.findById('acme')).rejects.toMatchObject({ code: '42501' });
    await bare.close();

    const error = await bootError();
    expect(error.field).toBe('store');
    expect(error.message).toContain(
      `the role "${app}" cannot read the tenant registry "tenancy".tenancy_tenants (missing USAGE on schema "tenancy" and SELECT on table "tenancy".tenancy_tenants)`,
    );
    expect(grantsIn(error)).toBe(
      `GRANT USAGE ON SCHEMA "tenancy" TO "${app}"; GRANT SELECT ON "tenancy".tenancy_tenants TO "${app}";`,
    );
  });

  it('with USAGE but without SELECT: names SELECT only; its GRANT, run as printed, lets the app boot and serve', async () => {
    await asOwner(`GRANT USAGE ON SCHEMA tenancy TO ${app}`);
    const error = await bootError();
    expect(error.message).toContain('(missing SELECT on table "tenancy".tenancy_tenants)');
    expect(grantsIn(error)).toBe(`GRANT SELECT ON "tenancy".tenancy_tenants TO "${app}";`);

    await asOwner(grantsIn(error)!);
    const store = new PrismaTenantStore(db.appUrl);
    const moduleRef = await boot(store);
    try {
      await moduleRef.init();
      const context = moduleRef.get(TenantContext);
      const prisma = moduleRef.get<TenantPrisma<PrismaClient>>(TenantPrisma);
      expect(await context.run('acme', () => prisma.client.project.count())).toBe(0);
    } finally {
      await moduleRef.close();
      await store.close();
    }
  });

  it('a registry that was never created: refuses to boot and says how to create it', async () => {
    const error = await bootError(new PrismaTenantStore(db.appUrl, { schema: 'no_registry_here' }));
    expect(error.message).toMatch(/tenant registry "no_registry_here".tenancy_tenants does not exist/);
    expect(error.message).toContain('store.migrate()');
    expect(error.message).toContain('npx nestjs-prisma-tenancy init');
  });

  it('checks once per store; a failed check is not remembered', async () => {
    const store = new PrismaTenantStore(db.ownerUrl);
    const other = new PrismaTenantStore(db.ownerUrl);
    try {
      await store.assertReadable();
      await asOwner('ALTER TABLE tenancy.tenancy_tenants RENAME TO tenancy_tenants_moved');
      try {
        await expect(store.assertReadable()).resolves.toBeUndefined(); // passed before: no query
        await expect(other.assertReadable()).rejects.toThrow(/does not exist/);
      } finally {
        await asOwner('ALTER TABLE tenancy.tenancy_tenants_moved RENAME TO tenancy_tenants');
      }
      await expect(other.assertReadable()).resolves.toBeUndefined();
    } finally {
      await store.close();
      await other.close();
    }
  });
});
