import { Client } from 'pg';
import { TenancyConfigError } from '../../errors/tenancy-config.error';

/** What the boot-time check found; `warnings` do not stop the app. */
export interface RlsSelfCheckResult {
  role: string;
  tables: string[];
  warnings: string[];
}

/**
 * Refuses to start an app whose RLS would not hold: a role that bypasses the
 * policies (superuser or BYPASSRLS), or a table with the tenant column that
 * lacks enabled and forced row-level security or has no policy. Runs once at
 * boot on a connection of its own, so no tenant setting is involved.
 */
export async function runRlsSelfCheck(databaseUrl: string, tenantColumn: string): Promise<RlsSelfCheckResult> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: roles } = await client.query<{ role: string; rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    const { role, rolsuper, rolbypassrls } = roles[0];
    if (rolsuper || rolbypassrls) {
      throw new TenancyConfigError(
        'databaseUrl',
        `the app connects as "${role}", which is ${rolsuper ? 'a superuser' : 'BYPASSRLS'} and so ignores row-level security. ` +
          'Connect as a role without SUPERUSER and BYPASSRLS that does not own the tables (see docs/rls.md), or set rls.selfCheck: false if you know why.',
      );
    }
    const { rows: tables } = await client.query<{ name: string; enabled: boolean; forced: boolean; policies: number; owned: boolean }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
              pg_has_role(c.relowner, 'USAGE') AS owned
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY (current_schemas(false))
        ORDER BY 1`,
      [tenantColumn],
    );
    const unprotected = tables.filter((t) => !t.enabled || !t.forced || t.policies === 0);
    if (unprotected.length > 0) {
      const list = unprotected.map((t) => `${t.name} (${!t.enabled ? 'RLS disabled' : !t.forced ? 'RLS not forced' : 'no policy'})`).join(', ');
      throw new TenancyConfigError(
        'rls',
        `tenant-scoped tables without enabled and forced row-level security: ${list}. Apply rlsPolicySql() for each in a migration.`,
      );
    }
    const warnings: string[] = [];
    if (tables.length === 0) warnings.push(`no table on the search path has a "${tenantColumn}" column: check rls.tenantColumn`);
    const owned = tables.filter((t) => t.owned).map((t) => t.name);
    if (owned.length > 0) warnings.push(`role "${role}" owns ${owned.join(', ')}: an owner can disable RLS; connect as a non-owner role`);
    return { role, tables: tables.map((t) => t.name), warnings };
  } finally {
    await client.end();
  }
}
