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
  const paths = {
    'hot path': { fairShare: undefined, raw: false },
    'raw SQL': { fairShare: undefined, raw: true },
    'with a fair share': { fairShare: { tenantMax: 1 }, raw: false },
  } as const;
  const cases = (['transaction', 'session'] as const).flatMap((mode) =>
    (Object.keys(paths) as Array<keyof typeof paths>).map((path) => [mode, path] as const),
  );

  it.each(cases)('%s mode, %s: the write is refused and leaves no row', async (mode, path) => {
    const { fairShare, raw } = paths[path];
    const pool = new RlsTenantPool(
      { connectionString: db.adminUrl, max: 1 },
      // Not a valid custom setting (no dot): set_config fails.
      { setting: 'nodot', mode, scope: () => ({ tenantId: 't1' }), fairShare },
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
