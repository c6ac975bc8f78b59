import { Pool } from 'pg';
import {
  MissingTenantError,
  TenantMisconfiguredError,
  TenantMismatchError,
  TenantPoolService,
  type Tenant,
  type TenantPoolEventPayload,
} from '../../../lib';
import { readMigrationsFolder, TenantMigrationRunner } from '../../../lib/migrations';
import {
  createTestDatabase,
  FIXTURE_MIGRATIONS,
  FIXTURE_MIGRATIONS_DIR,
  markOwned,
  withClient,
  type TestDatabase,
} from '../../support';
import { bootRlsApp as bootTenancyApp, type RlsTestApp } from '../rls/rls-app';
import { createSchemaTenantsDatabase } from './schema-tenants';

const IDS = Array.from({ length: 30 }, (_, i) => `s${i}`);
const TENANTS: Tenant[] = [
  ...IDS.map((id) => ({ id, status: 'active' as const })),
  { id: 'bad-quote', status: 'active', schemaName: 'tenant_x"; DROP SCHEMA public; --' },
  { id: 'bad-public', status: 'active', schemaName: 'public' },
  { id: 'bad-catalog', status: 'active', schemaName: 'pg_catalog' },
  { id: 'bad-upper', status: 'active', schemaName: 'Tenant_Upper' },
  { id: 'bad-strategy', status: 'active', strategy: 'database' },
];

describe('schema strategy', () => {
  let db: TestDatabase;
  let t: RlsTestApp;
  let pools: TenantPoolService;

  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(IDS);
    t = await bootTenancyApp(db.appUrl, {
      strategy: 'schema',
      strategies: ['schema'],
      tenants: TENANTS,
      pool: { max: 3 },
      clientPool: { max: 5, idleTtlMs: 0 },
    });
    pools = t.app.get(TenantPoolService);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('refuses unsafe, reserved or unlisted-strategy tenants at lookup, building nothing', async () => {
    const before = pools.stats().schema!;
    for (const id of ['bad-quote', 'bad-public', 'bad-catalog', 'bad-upper', 'bad-strategy']) {
      await expect(t.as(id, async (p) => p.project.count())).rejects.toBeInstanceOf(TenantMisconfiguredError);
    }
    const after = pools.stats().schema!;
    expect(after.size).toBe(before.size);
    await withClient(db.adminUrl, async (c) => {
      const { rows } = await c.query(
        `SELECT nspname FROM pg_namespace WHERE nspname ILIKE 'tenant_x%' OR nspname = 'Tenant_Upper'`,
      );
      expect(rows).toEqual([]);
    });
  });

  it('keeps open connections at the shared pool size however many tenants are busy', async () => {
    let peak = 0;
    const sampler = setInterval(() => {
      void withClient(db.adminUrl, async (c) => {
        const { rows } = await c.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = 'tenancy_app'`,
          [db.name],
        );
        peak = Math.max(peak, rows[0].n);
      }).catch(() => undefined);
    }, 5);
    await Promise.all(
      IDS.slice(0, 28).flatMap((id) =>
        [0, 1, 2].map(() => t.as(id, (p) => p.$queryRaw`SELECT pg_sleep(0.02)::text, current_schema() AS s`)),
      ),
    );
    clearInterval(sampler);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);
    expect(pools.stats().schema!.size).toBeLessThanOrEqual(5);
  });

  it('creates one client for 1,000 concurrent first requests of a tenant', async () => {
    const created: string[] = [];
    const off = pools.on('created', (e) => created.push(e.tenantId));
    await Promise.all(Array.from({ length: 1000 }, () => t.as('s29', (p) => p.project.count())));
    off();
    expect(created.filter((id) => id === 's29')).toHaveLength(1);
  });

  it('lets an interactive transaction finish when its client is evicted mid-flight', async () => {
    const events: TenantPoolEventPayload[] = [];
    const offs = (['evicted', 'disposed'] as const).map((e) => pools.on(e, (p) => events.push(p)));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tx = t.as('s0', (p) =>
      p.$transaction(async (tx) => {
        await tx.project.create({ data: { name: 'in-flight' } });
        await gate; // other tenants push s0 out of the pool meanwhile
        await tx.project.create({ data: { name: 'in-flight-2' } });
        return tx.project.count({ where: { name: { startsWith: 'in-flight' } } });
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    for (const id of IDS.slice(1, 8)) await t.as(id, (p) => p.project.count());
    expect(events.some((e) => e.event === 'evicted' && e.tenantId === 's0')).toBe(true);
    expect(events.some((e) => e.event === 'disposed' && e.tenantId === 's0')).toBe(false);
    release();
    expect(await tx).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(events.some((e) => e.event === 'disposed' && e.tenantId === 's0')).toBe(true);
    offs.forEach((off) => off());
    expect(await t.as('s0', (p) => p.project.count({ where: { name: { startsWith: 'in-flight' } } }))).toBe(2);
  });

  it('invalidate() replaces a tenant client; the next request builds a new one', async () => {
    await t.as('s1', (p) => p.project.count());
    const first = await t.as('s1', async (p) => p);
    await pools.invalidate('s1');
    const second = await t.as('s1', async (p) => p);
    expect(second).not.toBe(first);
    expect(await t.as('s1', (p) => p.project.count())).toBe(0);
    // A client kept across contexts is refused in another tenant's context,
    // with the package's own error class (so a 403, not a 500, over HTTP).
    await expect(t.as('s2', () => first.project.count())).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(t.as('s2', () => first.project.findMany())).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(t.as('s2', () => first.$queryRaw`SELECT 1 AS one`)).rejects.toBeInstanceOf(TenantMismatchError);
    await expect(t.as('s2', () => first.$transaction(async (tx) => tx.project.count()))).rejects.toBeInstanceOf(
      TenantMismatchError,
    );
    // ... and outside any tenant, reads, writes and transactions fail closed (400).
    await expect(first.project.findFirst()).rejects.toBeInstanceOf(MissingTenantError);
    await expect(first.project.create({ data: { name: 'x' } })).rejects.toBeInstanceOf(MissingTenantError);
    await expect(first.$transaction(async (tx) => tx.project.count())).rejects.toBeInstanceOf(MissingTenantError);
  });
});

describe('per-tenant strategy: RLS for most tenants, a schema for a large one', () => {
  let db: TestDatabase;
  let t: RlsTestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const migrations = (await readMigrationsFolder(FIXTURE_MIGRATIONS_DIR)).filter(
      (m) => m.name === FIXTURE_MIGRATIONS.init,
    );
    const pool = new Pool({ connectionString: db.ownerUrl, max: 1 });
    await new TenantMigrationRunner({ pool, migrations }).migrate({ schema: 'tenant_big', tenantId: 'big' });
    await markOwned(db.ownerUrl, 'schema', 'tenant_big', 'big');
    await pool.end();
    t = await bootTenancyApp(db.appUrl, {
      strategy: 'rls',
      strategies: ['rls', 'schema'],
      tenants: [
        { id: 'small', status: 'active' },
        { id: 'big', status: 'active', strategy: 'schema' },
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('serves each tenant by its own strategy, isolated from the other', async () => {
    await t.as('small', (p) => p.project.create({ data: { name: 'small-1' } }));
    await t.as('big', (p) => p.project.create({ data: { name: 'big-1', tasks: { create: [{ title: 'nested' }] } } }));
    expect((await t.as('small', (p) => p.project.findMany())).map((r) => r.name)).toEqual(['small-1']);
    expect((await t.as('big', (p) => p.project.findMany())).map((r) => r.name)).toEqual(['big-1']);
    await withClient(db.adminUrl, async (c) => {
      expect((await c.query(`SELECT name FROM public.projects`)).rows).toEqual([{ name: 'small-1' }]);
      expect((await c.query(`SELECT name, tenant_id FROM tenant_big.projects`)).rows).toEqual([
        { name: 'big-1', tenant_id: 'big' },
      ]);
      expect((await c.query(`SELECT tenant_id FROM tenant_big.tasks`)).rows).toEqual([{ tenant_id: 'big' }]);
    });
  });
});
