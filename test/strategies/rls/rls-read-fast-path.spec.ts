import { MissingTenantError, TenantMismatchError } from '../../../lib';
import { createTestDatabase, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from './rls-app';

// Reads of tenant-scoped models skip the Prisma extension once the self-check
// has proven the policies (lib/strategies/rls/rls.strategy.ts): these pin what
// that changes and what it must not change.
describe('RLS: reads past the extension, only where the policies are proven', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const seed = await bootRlsApp(db.appUrl);
    await seed.as('t1', (p) => p.project.create({ data: { id: 'fp-1', name: 'secret of t1' } }));
    await seed.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('with the self-check (default)', () => {
    let t: RlsTestApp;
    beforeAll(async () => {
      t = await bootRlsApp(db.appUrl);
    });
    afterAll(() => t?.close());

    it("reads answer from the policies: another tenant's rows are not there, even when named", async () => {
      expect(await t.as('t2', (p) => p.project.findMany())).toEqual([]);
      expect(await t.as('t2', (p) => p.project.findUnique({ where: { id: 'fp-1', tenantId: 't1' } }))).toBeNull();
      expect(await t.as('t2', (p) => p.project.count({ where: { tenantId: 't1' } }))).toBe(0);
      expect(await t.as('t1', (p) => p.project.findMany())).toMatchObject([{ id: 'fp-1', tenantId: 't1' }]);
    });

    it('a read with no tenant fails closed with MissingTenantError, before any row is read', async () => {
      // A client kept past its context (a singleton caching it, a callback run later).
      const kept = await t.as('t1', async (p) => p);
      await expect(kept.project.findMany()).rejects.toBeInstanceOf(MissingTenantError);
      await expect(kept.task.count()).rejects.toBeInstanceOf(MissingTenantError);
      await expect(kept.project.findUnique({ where: { id: 'fp-1' } })).rejects.toBeInstanceOf(MissingTenantError);
    });

    it('shared models still read without a tenant; writes still go through the extension', async () => {
      await expect(t.prisma.shared.plan.findMany()).resolves.toEqual(expect.any(Array));
      await expect(
        t.as('t2', (p) => p.project.create({ data: { id: 'fp-2', name: 'x', tenantId: 't1' } })),
      ).rejects.toBeInstanceOf(TenantMismatchError);
    });
  });

  it('without the self-check, reads keep the extension: a filter naming another tenant is refused', async () => {
    const t = await bootRlsApp(db.appUrl, { rls: { selfCheck: false } });
    try {
      await expect(
        t.as('t2', (p) => p.project.findUnique({ where: { id: 'fp-1', tenantId: 't1' } })),
      ).rejects.toBeInstanceOf(TenantMismatchError);
    } finally {
      await t.close();
    }
  });

  it('a model without the tenant field that is not declared shared keeps the extension, which refuses its reads', async () => {
    // No policy protects `plans` (no tenant column): reading it past the extension would return every row.
    const t = await bootRlsApp(db.appUrl, { sharedModels: [] });
    try {
      await expect(t.as('t2', (p) => p.plan.findMany())).rejects.toThrow();
      await expect(t.as('t2', (p) => p.project.findMany())).resolves.toEqual([]);
    } finally {
      await t.close();
    }
  });
});
