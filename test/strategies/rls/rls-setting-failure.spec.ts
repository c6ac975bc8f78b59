import { Pool } from 'pg';
import { rawStatementScope } from '../../../lib/strategies/rls/rls-scope';
import { RlsTenantPool } from '../../../lib/strategies/rls/rls-tenant.pool';
import { createTestDatabase, type TestDatabase } from '../../support';

// The tenant setting and the statement travel together (one round trip). If
// the setting failed and the statement ran anyway, it would run as whatever
// tenant the connection carried before (session mode) and its effect would
// stay, even though the caller gets an error. Provoked here with a setting
// name PostgreSQL refuses, as the superuser so no policy stops the write:
// the write must not happen, in either mode, on the hot path or raw SQL's.
describe('RLS pool: a statement never runs after its tenant setting failed', () => {
  let db: TestDatabase;
  let admin: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Pool({ connectionString: db.adminUrl, max: 1 });
  });
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  // Three ways a statement reaches the server: the hot path (a statement Prisma built),
  // raw SQL (the general path: an explicit transaction in transaction mode, the setting
  // first in session mode), and any statement when a fair share is set (the general path too).
  // With the statement cache, a statement Prisma built is named (parsed once per connection,
  // then only bound); raw SQL never is, so its row says which size it runs with only for the record.
  const paths = {
    'hot path': { fairShare: undefined, raw: false, statementCacheSize: 0 },
    'hot path, named statement': { fairShare: undefined, raw: false, statementCacheSize: 10 },
    'raw SQL': { fairShare: undefined, raw: true, statementCacheSize: 10 },
    'with a fair share': { fairShare: { tenantMax: 1 }, raw: false, statementCacheSize: 0 },
    'with a fair share, named statement': { fairShare: { tenantMax: 1 }, raw: false, statementCacheSize: 10 },
  } as const;
  const cases = (['transaction', 'session'] as const).flatMap((mode) =>
    (Object.keys(paths) as Array<keyof typeof paths>).map((path) => [mode, path] as const),
  );

  it.each(cases)('%s mode, %s: the write is refused and leaves no row', async (mode, path) => {
    const { fairShare, raw, statementCacheSize } = paths[path];
    const pool = new RlsTenantPool(
      { connectionString: db.adminUrl, max: 1 },
      // Not a valid custom setting (no dot): set_config fails.
      { setting: 'nodot', mode, scope: () => ({ tenantId: 't1' }), fairShare, statementCacheSize },
    );
    const insert = (id: string) => {
      const run = () =>
        pool.query({ text: 'INSERT INTO projects (id, tenant_id, name) VALUES ($1, $2, $3)' }, [id, 't1', 'x']);
      return raw ? rawStatementScope.run(true, run) : run();
    };
    try {
      const id = `failed-${mode}-${path.replace(/ /g, '-')}`;
      await expect(insert(id)).rejects.toThrow(/nodot/);
      // Twice: in session mode the connection must not be taken as carrying the tenant now.
      await expect(insert(id)).rejects.toThrow(/nodot/);
      const rows = await admin.query('SELECT count(*)::int AS n FROM projects WHERE id = $1', [id]);
      expect(rows.rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
