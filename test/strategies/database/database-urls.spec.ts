import { randomBytes } from 'node:crypto';
import {
  InMemoryTenantStore,
  TenantCache,
  TenantMisconfiguredError,
  type Tenant,
  type TenantPoolEventPayload,
} from '../../../lib';
import { TenantSecretCipher } from '../../../lib/crypto';
import { markOwned, rewriteUrl, serverAdminUrl } from '../../support';
import { bootDatabaseApp, createDatabaseTenants, type DatabaseTenants, type DatabaseTestApp } from './database-app';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const strayKey = randomBytes(32);
const seal = (key: Buffer, url: string, id: string) =>
  new TenantSecretCipher({ keys: [key] }).encrypt(url, { aad: id });
const whereAmI = (p: DatabaseTestApp['prisma']['client']) =>
  p.$queryRaw<{ db: string }[]>`SELECT current_database() AS db`.then((r) => r[0].db);

describe('database strategy: tenant connection strings', () => {
  let setup: DatabaseTenants;
  let url: string;

  beforeAll(async () => {
    setup = await createDatabaseTenants(['urls'], [serverAdminUrl()]);
    url = setup.tenants[0].databaseUrl!;
  }, 120_000);
  afterAll(async () => setup?.drop(), 120_000);

  // Every tenant here points at the one database: marked for each in turn, just before its client's first
  // statement (the ownership check runs once per client).
  const markFor = (id: string) =>
    markOwned(setup.databases.get('urls')!.adminUrl, 'database', setup.databases.get('urls')!.name, id);

  /** Boots with `tenants` and asserts each listed id fails at lookup, building nothing. */
  async function expectRefused(t: DatabaseTestApp, ids: string[]) {
    const created: TenantPoolEventPayload[] = [];
    const onCreated = (e: TenantPoolEventPayload) => created.push(e);
    t.strategy.clientPool().on('created', onCreated);
    const before = { ...t.strategy.clientPool().stats(), connections: t.strategy.connectionBudget().inUse() };
    for (const id of ids) {
      const error = await t.as(id, async (p) => p.project.count()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantMisconfiguredError);
      // For operators only: never the URL or its password, and the HTTP body says nothing of the record.
      expect((error as Error).message).not.toContain('tenancy_app_pw');
      expect(JSON.stringify((error as TenantMisconfiguredError).getResponse())).not.toMatch(/databaseUrl|postgres/);
    }
    t.strategy.clientPool().off('created', onCreated);
    expect(created).toEqual([]);
    expect(t.strategy.clientPool().stats().size).toBe(before.size);
    expect(t.strategy.connectionBudget().inUse()).toBe(before.connections);
  }

  it('a login the server refuses (no such database, no such role) is a 500 for that tenant, not a retryable 503', async () => {
    const tenants: Tenant[] = [
      { id: 'urls', status: 'active', databaseUrl: url },
      { id: 'nodb', status: 'active', databaseUrl: rewriteUrl(url, { database: 'tenancy_no_such_database' }) },
      { id: 'norole', status: 'active', databaseUrl: rewriteUrl(url, { user: 'tenancy_no_such_role', password: 'x' }) },
    ];
    const t = await bootDatabaseApp(setup.shared.appUrl, tenants);
    try {
      // A password-checking server reports an unknown role as a failed password (28P01), a trusting one as 28000.
      for (const [id, code] of [
        ['nodb', '3D000'],
        ['norole', '28(000|P01)'],
      ] as const) {
        const error = await t.as(id, (p) => p.project.count()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TenantMisconfiguredError);
        expect((error as TenantMisconfiguredError).getStatus()).toBe(500);
        // The server's reason is for operators; the HTTP body names nothing.
        expect((error as Error).message).toMatch(new RegExp(`its database refused the connection \\(${code}: `));
        expect((error as TenantMisconfiguredError).getResponse()).toEqual({
          statusCode: 500,
          error: 'TENANT_MISCONFIGURED',
          message: `Tenant "${id}" cannot be served.`,
        });
      }
      expect(await t.as('urls', (p) => p.project.count())).toEqual(expect.any(Number));
      expect(t.strategy.connectionBudget().inUse()).toBeLessThanOrEqual(
        t.strategy.clientPool().stats().openConnections,
      );
    } finally {
      await t.close();
    }
  });

  it('decrypts URLs made with any configured key (rotation: [newKey, oldKey]), bound to the tenant id', async () => {
    const tenants: Tenant[] = [
      { id: 'old', status: 'active', databaseUrl: seal(oldKey, url, 'old') },
      { id: 'new', status: 'active', databaseUrl: seal(newKey, url, 'new') },
      { id: 'stray', status: 'active', databaseUrl: seal(strayKey, url, 'stray') },
      // Old's ciphertext copied onto another record: the tenant id is authenticated with it.
      { id: 'copied', status: 'active', databaseUrl: seal(oldKey, url, 'old') },
      {
        id: 'tampered',
        status: 'active',
        databaseUrl: seal(newKey, url, 'tampered').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      },
      // Once keys are configured, a plaintext URL (which nothing authenticates) is refused by default.
      { id: 'plain', status: 'active', databaseUrl: url },
      { id: 'sealed-junk', status: 'active', databaseUrl: seal(newKey, 'not a url', 'sealed-junk') },
    ];
    const t = await bootDatabaseApp(setup.shared.appUrl, tenants, { database: { encryptionKeys: [newKey, oldKey] } });
    try {
      await markFor('old');
      expect(await t.as('old', whereAmI)).toBe(setup.databases.get('urls')!.name);
      await markFor('new');
      expect(await t.as('new', (p) => p.project.create({ data: { name: 'n' } }))).toMatchObject({ tenantId: 'new' });
      await expectRefused(t, ['stray', 'copied', 'tampered', 'plain', 'sealed-junk']);
    } finally {
      await t.close();
    }
  });

  it('a re-encrypted record (after rotation) is picked up: the tenant gets a new pool, in-flight work finishes on the old', async () => {
    await markFor('rot');
    const store = new InMemoryTenantStore([
      { id: 'rot', status: 'active' as const, databaseUrl: seal(oldKey, url, 'rot') },
    ]);
    const t = await bootDatabaseApp(setup.shared.appUrl, [], {
      tenants: undefined,
      store,
      database: { encryptionKeys: [newKey, oldKey] },
    });
    try {
      const events: string[] = [];
      for (const e of ['created', 'evicted', 'disposed'] as const)
        t.strategy.clientPool().on(e, (p: TenantPoolEventPayload) => events.push(p.event));
      const cipher = new TenantSecretCipher({ keys: [newKey, oldKey] });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const tx = t.as('rot', (p) => p.$transaction(async (tx) => (await gate, whereAmI(tx as typeof p))));
      await new Promise((r) => setTimeout(r, 100));
      store.set({
        id: 'rot',
        status: 'active',
        databaseUrl: cipher.rotate((await store.findById('rot'))!.databaseUrl!, { aad: 'rot' }),
      });
      t.app.get(TenantCache).invalidate('rot');
      expect(await t.as('rot', whereAmI)).toBe(setup.databases.get('urls')!.name);
      expect(events).toEqual(['created', 'evicted', 'created']);
      release();
      expect(await tx).toBe(setup.databases.get('urls')!.name);
      await new Promise((r) => setTimeout(r, 100));
      expect(events).toEqual(['created', 'evicted', 'created', 'disposed']);
    } finally {
      await t.close();
    }
  });

  it('without keys, plaintext URLs work and encrypted ones are refused; allowPlaintextUrls lets both through', async () => {
    const tenants: Tenant[] = [
      { id: 'plain', status: 'active', databaseUrl: url },
      { id: 'sealed', status: 'active', databaseUrl: seal(oldKey, url, 'sealed') },
    ];
    const plain = await bootDatabaseApp(setup.shared.appUrl, tenants);
    try {
      await markFor('plain');
      expect(await plain.as('plain', whereAmI)).toBe(setup.databases.get('urls')!.name);
      await expectRefused(plain, ['sealed']);
    } finally {
      await plain.close();
    }
    const both = await bootDatabaseApp(setup.shared.appUrl, tenants, {
      database: { encryptionKeys: [oldKey], allowPlaintextUrls: true },
    });
    try {
      expect(await both.as('plain', whereAmI)).toBe(setup.databases.get('urls')!.name);
      await markFor('sealed');
      expect(await both.as('sealed', whereAmI)).toBe(setup.databases.get('urls')!.name);
    } finally {
      await both.close();
    }
  });

  it('refuses missing and invalid connection strings at lookup, before any pool or client exists', async () => {
    const tenants: Tenant[] = [
      { id: 'missing', status: 'active' },
      { id: 'empty', status: 'active', databaseUrl: '  ' },
      { id: 'garbage', status: 'active', databaseUrl: 'not a url at all' },
      { id: 'mysql', status: 'active', databaseUrl: 'mysql://tenancy_app:tenancy_app_pw@127.0.0.1/db' },
      { id: 'no-db', status: 'active', databaseUrl: 'postgresql://tenancy_app:tenancy_app_pw@127.0.0.1:5432' },
      { id: 'bad-port', status: 'active', databaseUrl: 'postgresql://tenancy_app:tenancy_app_pw@127.0.0.1:99999/db' },
    ];
    const t = await bootDatabaseApp(setup.shared.appUrl, tenants);
    try {
      await expectRefused(
        t,
        tenants.map((x) => x.id),
      );
    } finally {
      await t.close();
    }
  });
});
