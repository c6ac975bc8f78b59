import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { rlsPolicySql, TenancyModule } from '../../lib';
import { seedCanaries } from '../../lib/testing/canaries/canary-seeder';
import { canaryTarget } from '../../lib/testing/canaries/canary-target';
import { diffSnapshots, removeCanaries, snapshotCanaries } from '../../lib/testing/canaries/canary-watch';
import type { CanarySet } from '../../lib/testing/canaries/canary.interface';
import { createTenancyTestingModule, runAsTenant } from '../../lib/testing';
import { createTestDatabase, type TestDatabase, withClient } from '../support';
import { PrismaClient } from './generated/client';

const TABLES = ['accounts', 'memberships', 'categories'];

// The seeder on a schema with every kind of column (./prisma/schema.prisma),
// on real PostgreSQL with RLS on the tenant tables: what it writes must be
// accepted by Prisma and by the database, and be found again.
describe('seedCanaries', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase({
      migrations: [],
      sql: [
        readFileSync(join(__dirname, 'prisma', 'migration.sql'), 'utf8'),
        ...TABLES.map((table) => rlsPolicySql({ table })),
      ].join('\n'),
    });
    const moduleRef = await createTenancyTestingModule(
      {
        imports: [
          ClsModule.forRoot({ global: true }),
          TenancyModule.forRoot({
            strategy: 'rls',
            databaseUrl: db.appUrl,
            createClient: (adapter) => new PrismaClient({ adapter }),
            tenants: [],
            sharedModels: ['Org'],
          }),
        ],
      },
      { tenants: ['acme', 'globex'] },
    ).compile();
    app = await moduleRef.init();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const target = () => canaryTarget(app, 'acme');

  it('skips the models whose required parent is a shared model with no row, and says why', async () => {
    const set = await seedCanaries(target());
    expect(set.rows.map((r) => r.model)).toEqual(['Category']);
    expect(set.skipped).toEqual([
      { model: 'Account', reason: expect.stringMatching(/^it needs a Org row: none could be written or found/) },
      { model: 'Membership', reason: expect.stringMatching(/^it needs a Account row/) },
    ]);
    expect(await removeCanaries(target(), set)).toEqual([]);
  });

  describe('with a shared Org row', () => {
    let set: CanarySet;

    beforeAll(async () => {
      await withClient(db.adminUrl, (admin) => admin.query(`INSERT INTO orgs (id, name) VALUES ('org-1', 'Org')`));
      set = await seedCanaries(target(), { canaryData: { Membership: { team: 'core-team-canary' } } });
    });

    it('writes one row per tenant-scoped model, parents first, as the owner tenant', async () => {
      expect(set.skipped).toEqual([]);
      expect(set.rows.map((r) => r.model)).toEqual(['Account', 'Category', 'Membership']);
      // One after another: pg deprecates queueing a query on a client that is still running one.
      const tenants = await withClient(db.adminUrl, async (admin) => {
        const results = [];
        for (const t of TABLES) results.push(await admin.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${t}`));
        return results;
      });
      expect(tenants.map((r) => r.rows)).toEqual([
        [{ tenant_id: 'acme' }],
        [{ tenant_id: 'acme' }],
        [{ tenant_id: 'acme' }],
      ]);
    });

    it('fills each column with a value of its type, recognisable where it can be', () => {
      const account = set.rows.find((r) => r.model === 'Account')!.row;
      expect(account).toMatchObject({
        email: expect.stringMatching(new RegExp(`^${set.marker}-\\d+$`)),
        role: 'OWNER', // Prisma's name of the first value, not its database label
        bio: expect.stringMatching(/^canary-/), // optional strings get a marker too
        balance: expect.any(BigInt),
        settings: { canary: expect.stringMatching(/^canary-/) },
        avatar: null, // optional, not a string: left empty
        tags: [expect.stringMatching(/^canary-/)],
        externalId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        orgId: 'org-1', // the shared row found
        birthday: expect.any(Date),
      });
      expect((account.handle as string).length).toBeLessThanOrEqual(12);
      const canaries = Object.fromEntries(set.rows[0].canaries.map((c) => [c.field, c.value]));
      expect(canaries).toEqual({
        email: account.email,
        handle: account.handle,
        bio: account.bio,
        balance: String(account.balance),
        settings: (account.settings as { canary: string }).canary,
        tags: (account.tags as string[])[0],
        externalId: account.externalId,
        updatedAt: (account.updatedAt as Date).toISOString(),
      });
      const membership = set.rows.find((r) => r.model === 'Membership')!;
      expect(membership.where).toEqual({ accountId: account.id, team: 'core-team-canary' });
      const category = set.rows.find((r) => r.model === 'Category')!;
      expect(category.row.parentId).toBeNull();
      // Prisma's cuid() default is the client's: the seeder writes a marker instead.
      expect(category.canaries.map((c) => c.field).sort()).toEqual(['id', 'name']);
    });

    it('sees the rows changed or deleted by someone else, field by field', async () => {
      const before = await snapshotCanaries(target(), set);
      expect(diffSnapshots(before, await snapshotCanaries(target(), set))).toEqual([]);
      await withClient(db.adminUrl, async (admin) => {
        await admin.query(`UPDATE accounts SET email = 'changed', ratio = 2`);
        await admin.query(`DELETE FROM categories`);
      });
      expect(diffSnapshots(before, await snapshotCanaries(target(), set))).toEqual([
        { model: 'Account', change: 'changed', fields: ['email'] },
        { model: 'Category', change: 'deleted', fields: [] },
      ]);
    });

    it('deletes its rows, children first', async () => {
      expect(await removeCanaries(target(), set)).toEqual([]);
      const left = await runAsTenant(app, 'acme', async (db: PrismaClient) => [
        await db.account.count(),
        await db.membership.count(),
        await db.category.count(),
      ]);
      expect(left).toEqual([0, 0, 0]);
    });
  });
});
