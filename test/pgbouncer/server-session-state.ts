import type { PrismaClient } from '../fixtures/generated/client';
import { withClient } from '../support';
import type { RlsTestApp } from '../strategies/rls/rls-app';

/**
 * Expects every server connection behind PgBouncer (`connections` of them)
 * to be as a fresh session: what a client that is not the package finds
 * there. `visibleSql`, when given, counts rows such a client must not see.
 */
export async function expectCleanServerConnections(
  appUrl: string,
  connections: number,
  visibleSql?: string,
): Promise<void> {
  // More checks than server connections: PgBouncer may hand out the same one twice.
  for (let i = 0; i < 2 * connections; i += 1) {
    const state = await withClient(appUrl, async (c) => {
      const { rows } = await c.query(
        `SELECT current_setting('search_path') AS path, coalesce(current_setting('app.tenant_id', true), '') AS s,
                current_user::text AS role,
                (SELECT count(*)::int FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp_tables
                ${visibleSql ? `, (${visibleSql}) AS visible` : ''}`,
      );
      return rows[0];
    });
    expect(state).toEqual({
      path: '"$user", public',
      s: '',
      role: 'tenancy_app',
      temp_tables: 0,
      ...(visibleSql ? { visible: 0 } : {}),
    });
  }
}

/**
 * Runs `statements` (raw SQL that leaves session state) as tenant `tenantId`:
 * in one interactive transaction, or one by one with `check` after each (the
 * package resets a connection before its own next use, so a later statement
 * on the same connection would hide what an earlier one left).
 */
export async function leaveSessionState(
  t: RlsTestApp,
  tenantId: string,
  statements: readonly string[],
  inTransaction: boolean,
  check: () => Promise<void>,
): Promise<void> {
  await t.as(tenantId, async (p: PrismaClient) => {
    if (inTransaction)
      await p.$transaction(async (tx) => {
        for (const sql of statements) await tx.$executeRawUnsafe(sql);
      });
    else
      for (const sql of statements) {
        await p.$executeRawUnsafe(sql);
        await check();
      }
  });
  await check();
}
