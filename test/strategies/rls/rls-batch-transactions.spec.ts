import { createTestDatabase, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from './rls-app';

// Prisma dispatches every batch queued in one tick from a single
// process.nextTick callback, in the async context of whichever request
// scheduled it. Two tenants' `$transaction([...])` started together would then
// both open their transaction as the first tenant: the second tenant's insert
// is refused by the policies, and its raw read returns the first tenant's rows.
// (Found by the isolation fuzz at 10,000 operations.)
describe.each(['transaction', 'session'] as const)('RLS, %s mode: concurrent batch transactions', (mode) => {
  let db: TestDatabase;
  let t: RlsTestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootRlsApp(db.appUrl, { pool: { max: 4 }, rls: { mode } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("each tenant's batch runs as that tenant, even when started in the same tick", async () => {
    const tenants = ['t1', 't2', 't3', 't4', 't5', 't6'];
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        tenants.map((id) =>
          t.as(id, (p) =>
            p.$transaction([
              p.project.create({ data: { id: `${id}-b${round}`, name: `of ${id}` } }),
              p.$queryRaw<{ tenant_id: string }[]>`SELECT tenant_id FROM projects`,
              p.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id') AS s`,
            ]),
          ),
        ),
      );
      results.forEach(([created, raw, [setting]], i) => {
        expect(created.tenantId).toBe(tenants[i]);
        expect(setting.s).toBe(tenants[i]);
        expect(raw).toHaveLength(round + 1);
        expect(new Set(raw.map((r) => r.tenant_id))).toEqual(new Set([tenants[i]]));
      });
    }
  });

  it('a batch of one statement runs as its tenant too', async () => {
    const settings = await Promise.all(
      ['t7', 't8', 't9'].map((id) =>
        t.as(id, (p) => p.$transaction([p.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id') AS s`])),
      ),
    );
    expect(settings.map(([[row]]) => row.s)).toEqual(['t7', 't8', 't9']);
  });
});
