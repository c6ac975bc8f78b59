import { rlsPolicySql } from '../../../lib';
import { createTestDatabase, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from './rls-app';

// Pins the choice docs/rls.md documents: a primary key is unique across the
// whole table, every tenant's rows included, so reusing another tenant's id
// fails with Prisma's P2002 (what apps answer with 409), which tells the caller
// the id exists somewhere, though never whose it is nor what it holds. A key
// that starts with the tenant column is unique per tenant, and the same id
// succeeds.
describe('RLS: global primary keys and keys per tenant', () => {
  let db: TestDatabase;
  let t: RlsTestApp;
  beforeAll(async () => {
    db = await createTestDatabase({
      sql: `CREATE TABLE notes (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), id text NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id));
        ${rlsPolicySql({ table: 'notes' })}`,
    });
    t = await bootRlsApp(db.appUrl);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("a create with another tenant's global primary key is a unique violation (P2002, a 409), and reveals nothing else", async () => {
    await t.as('t1', (p) => p.project.create({ data: { id: 'shared-id', name: 'secret of t1' } }));
    const error = await t
      .as('t2', (p) => p.project.create({ data: { id: 'shared-id', name: 'mine' } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PrismaClientKnownRequestError', code: 'P2002' });
    expect(JSON.stringify((error as { meta?: unknown }).meta)).not.toMatch(/secret|t1/);
    // Still invisible to t2, and t1's row is unchanged.
    expect(await t.as('t2', (p) => p.project.findUnique({ where: { id: 'shared-id' } }))).toBeNull();
    expect(await t.as('t1', (p) => p.project.findUnique({ where: { id: 'shared-id' } }))).toMatchObject({
      name: 'secret of t1',
      tenantId: 't1',
    });
  });

  it('with a composite primary key (tenant_id, id), the same id succeeds for each tenant, and each sees its own row', async () => {
    await t.as('t1', (p) => p.$executeRaw`INSERT INTO notes (id, body) VALUES ('n-1', 'of t1')`);
    await expect(t.as('t2', (p) => p.$executeRaw`INSERT INTO notes (id, body) VALUES ('n-1', 'of t2')`)).resolves.toBe(
      1,
    );
    expect(await t.as('t1', (p) => p.$queryRaw`SELECT tenant_id, body FROM notes WHERE id = 'n-1'`)).toEqual([
      { tenant_id: 't1', body: 'of t1' },
    ]);
    expect(await t.as('t2', (p) => p.$queryRaw`SELECT tenant_id, body FROM notes WHERE id = 'n-1'`)).toEqual([
      { tenant_id: 't2', body: 'of t2' },
    ]);
    // And the same id twice within one tenant is still refused.
    await expect(
      t.as('t2', (p) => p.$executeRaw`INSERT INTO notes (id, body) VALUES ('n-1', 'again')`),
    ).rejects.toMatchObject({ code: 'P2010' });
  });
});
