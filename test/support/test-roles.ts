import type { Client } from 'pg';

import { quoteIdent, quoteLiteral } from './pg-client';
import { TEST_ROLES } from './test-env.constants';

// Any constant shared by every process that creates the roles.
const ROLES_LOCK = 7_152_033_940_271;
// What a concurrent CREATE/ALTER ROLE can still raise if someone bypasses the lock.
const RACE_CODES = new Set(['42710', '23505', 'XX000']);

/**
 * Creates `tenancy_owner` and `tenancy_app`, or resets them to what the tests
 * rely on: LOGIN, no superuser, no BYPASSRLS, known password. Roles are
 * cluster-wide and Jest workers (or two runs against one server) race for
 * them, hence the advisory lock, plus one retry for anyone not taking it.
 */
export async function ensureTestRoles(admin: Client): Promise<void> {
  try {
    await lockedEnsure(admin);
  } catch (error) {
    if (!RACE_CODES.has((error as { code?: string }).code ?? '')) throw error;
    await lockedEnsure(admin);
  }
}

async function lockedEnsure(admin: Client): Promise<void> {
  await admin.query('SELECT pg_advisory_lock($1)', [ROLES_LOCK]);
  try {
    for (const role of Object.values(TEST_ROLES)) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
      const verb = rowCount ? 'ALTER' : 'CREATE';
      await admin.query(
        `${verb} ROLE ${quoteIdent(role.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${quoteLiteral(role.password)}`,
      );
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [ROLES_LOCK]);
  }
}
