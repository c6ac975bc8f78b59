import { Client } from 'pg';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { ownershipMarker } from '../shared/ownership-marker';

/** What the boot-time check found; `warnings` do not stop the app. */
export interface RlsSelfCheckResult {
  role: string;
  /** Tables and views the role can reach that hold or read tenant rows, as `schema.name`. */
  tables: string[];
  /** Schemas left to the schema strategy: marked as a tenant's, in an app that also runs that strategy. */
  tenantSchemas: string[];
  warnings: string[];
}

/** What else the app runs, which changes what the check may pass over. */
export interface RlsSelfCheckOptions {
  /**
   * The app also serves tenants with the schema strategy: schemas carrying a
   * tenant's ownership marker hold that tenant's rows, isolated by the search
   * path rather than by policies, so they are not checked. Default: `false`.
   */
  schemaTenants?: boolean;
}

/** One table, partition, foreign table, view or materialized view outside the system schemas. */
interface CatalogRelation {
  oid: string;
  name: string;
  kind: 'r' | 'p' | 'f' | 'v' | 'm';
  schema: string;
  /** Its schema carries a tenant's ownership marker (only the schema's owner can write one). */
  tenantSchema: boolean;
  hasColumn: boolean;
  /** USAGE on its schema and any privilege on it (or on one of its columns), directly, by membership or through PUBLIC. */
  reachable: boolean;
  enabled: boolean;
  forced: boolean;
  /** The role may TRUNCATE it or create triggers on it: both act on every tenant's rows, whatever the policies. */
  truncate: boolean;
  trigger: boolean;
  policies: number;
  owned: boolean;
  owner: string;
  ownerBypasses: boolean;
  invoker: boolean;
}

// Every schema but the system ones: search_path is only where unqualified names
// resolve, and a query may name any schema the role has USAGE on. The registry
// schema needs no exception: its table has no tenant column.
const RELATIONS_SQL = `
  SELECT c.oid::text AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind, n.nspname AS schema,
         starts_with(COALESCE(obj_description(n.oid, 'pg_namespace'), ''), $2) AS "tenantSchema",
         EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped) AS "hasColumn",
         has_schema_privilege(n.oid, 'USAGE')
           AND (has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')) AS reachable,
         c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
         c.relkind IN ('r', 'p', 'f') AND has_table_privilege(c.oid, 'TRUNCATE') AS truncate,
         c.relkind IN ('r', 'p', 'f') AND has_table_privilege(c.oid, 'TRIGGER') AS trigger,
         (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
         pg_has_role(c.relowner, 'USAGE') AS owned,
         o.rolname AS owner, o.rolsuper OR o.rolbypassrls AS "ownerBypasses",
         COALESCE((SELECT bool_or(opt ~* '^security_invoker(=(t|tr|tru|true|y|ye|yes|on|1))?$') FROM unnest(c.reloptions) opt), false) AS invoker
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_roles o ON o.oid = c.relowner
   WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   ORDER BY 2`;

// What each view or materialized view reads, from the dependencies of its rewrite rule.
const READS_SQL = `
  SELECT DISTINCT r.ev_class::text AS view, d.refobjid::text AS target
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
   WHERE d.refobjid <> r.ev_class`;

/**
 * Refuses to start an app whose RLS would not hold: a role that bypasses the
 * policies (superuser or BYPASSRLS), or tenant rows the role can reach in any
 * schema without the policies: a table with the tenant column that lacks
 * enabled and forced row-level security or has no policy (partitions count on
 * their own: the parent's policies bind only queries through the parent), a
 * materialized view of tenant rows (never covered by RLS), or a view run with
 * its owner's rights when that owner bypasses RLS or a tenant table under it
 * is unprotected. Runs once at boot on a connection of its own, so no tenant
 * setting is involved.
 */
export async function runRlsSelfCheck(
  databaseUrl: string,
  tenantColumn: string,
  options: RlsSelfCheckOptions = {},
): Promise<RlsSelfCheckResult> {
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
    // Raw SQL can `SET ROLE` to any role the app role is a member of.
    const { rows: escapes } = await client.query<{ name: string; rolsuper: boolean }>(
      `SELECT rolname AS name, rolsuper FROM pg_roles
        WHERE (rolsuper OR rolbypassrls) AND rolname <> current_user AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY 1`,
    );
    if (escapes.length > 0) {
      const list = escapes.map((r) => `"${r.name}" (${r.rolsuper ? 'a superuser' : 'BYPASSRLS'})`).join(', ');
      throw new TenancyConfigError(
        'databaseUrl',
        `the app connects as "${role}", a member of ${list}: any raw SQL can SET ROLE to it and ignore row-level security. ` +
          `REVOKE that membership (REVOKE <role> FROM "${role}"), or connect as another role.`,
      );
    }
    const { rows: all } = await client.query<CatalogRelation>(RELATIONS_SQL, [tenantColumn, ownershipMarker('')]);
    const { rows: reads } = await client.query<{ view: string; target: string }>(READS_SQL);
    // Skipped as places to check, not as what views read: a view elsewhere over a schema tenant's table is checked.
    const skip = (r: CatalogRelation) => options.schemaTenants === true && r.tenantSchema;
    const tenantSchemas = [...new Set(all.filter(skip).map((r) => r.schema))];
    return { ...judge(role, tenantColumn, all, reads, skip), tenantSchemas };
  } finally {
    await client.end();
  }
}

function judge(
  role: string,
  tenantColumn: string,
  relations: CatalogRelation[],
  reads: { view: string; target: string }[],
  skip: (relation: CatalogRelation) => boolean,
): Omit<RlsSelfCheckResult, 'tenantSchemas'> {
  const byOid = new Map(relations.map((relation) => [relation.oid, relation]));
  const targets = new Map<string, CatalogRelation[]>();
  for (const { view, target } of reads) {
    const relation = byOid.get(target);
    if (relation && byOid.has(view)) targets.set(view, [...(targets.get(view) ?? []), relation]);
  }
  const isTable = (r: CatalogRelation) => r.kind === 'r' || r.kind === 'p' || r.kind === 'f';
  const protectedTable = (r: CatalogRelation) => r.enabled && r.forced && r.policies > 0;

  // Whether a relation holds tenant rows or reads some, however deep.
  const derived = new Map<string, boolean>();
  const isTenant = (r: CatalogRelation): boolean => {
    const known = derived.get(r.oid);
    if (known !== undefined) return known;
    derived.set(r.oid, r.hasColumn); // a cycle ends here
    const value = r.hasColumn || (!isTable(r) && (targets.get(r.oid) ?? []).some(isTenant));
    derived.set(r.oid, value);
    return value;
  };

  // What is wrong with a view run with its owner's rights: the first finding is enough to refuse it.
  const definerProblem = (view: CatalogRelation): string | undefined => {
    const seen = new Set<string>();
    const walk = (r: CatalogRelation, runAs: CatalogRelation): string | undefined => {
      if (seen.has(r.oid)) return undefined;
      seen.add(r.oid);
      for (const target of targets.get(r.oid) ?? []) {
        if (!isTenant(target)) continue;
        if (target.kind === 'm')
          return `view over materialized view ${target.name}, which row-level security does not cover`;
        if (isTable(target)) {
          if (!protectedTable(target))
            return `view over ${target.name}, which lacks enabled and forced row-level security`;
          continue;
        }
        const nextRunAs = target.invoker ? runAs : target;
        if (nextRunAs.ownerBypasses) return `view run as "${nextRunAs.owner}", who bypasses row-level security`;
        const found = walk(target, nextRunAs);
        if (found) return found;
      }
      return undefined;
    };
    if (view.ownerBypasses) return `view run as "${view.owner}", who bypasses row-level security`;
    return walk(view, view);
  };

  const reachable = relations.filter((r) => r.reachable && !skip(r) && isTenant(r));
  const problems: string[] = [];
  for (const r of reachable) {
    let problem: string | undefined;
    if (isTable(r)) {
      problem = !r.enabled ? 'RLS disabled' : !r.forced ? 'RLS not forced' : r.policies === 0 ? 'no policy' : undefined;
      // TRUNCATE ignores the policies and empties every tenant's rows; a trigger of the role's sees every tenant's writes.
      const grants = [r.truncate && 'TRUNCATE', r.trigger && 'TRIGGER'].filter(Boolean).join(' and ');
      if (grants)
        problem = [problem, `${grants} granted, which row-level security does not limit`].filter(Boolean).join('; ');
    } else if (r.kind === 'm') problem = 'materialized view: row-level security does not cover it';
    else if (!r.invoker) problem = definerProblem(r);
    if (problem) problems.push(`${r.name} (${problem})`);
  }
  if (problems.length > 0) {
    throw new TenancyConfigError(
      'rls',
      `tenant rows that role "${role}" can reach without row-level security: ${problems.join(', ')}. ` +
        'Apply rlsPolicySql() to each table in a migration (partitions too); grant the role only SELECT, INSERT, UPDATE, DELETE; ' +
        'make a view security_invoker = true ' +
        '(or have it owned by a role without SUPERUSER or BYPASSRLS, over protected tables); ' +
        `and for a materialized view, or a table that is not the app's, REVOKE the role's privileges on it (or USAGE on its schema).`,
    );
  }
  const warnings: string[] = [];
  if (reachable.length === 0)
    warnings.push(`no table the role can reach has a "${tenantColumn}" column: check rls.tenantColumn`);
  const owned = reachable.filter((r) => r.owned).map((r) => r.name);
  if (owned.length > 0)
    warnings.push(`role "${role}" owns ${owned.join(', ')}: an owner can disable RLS; connect as a non-owner role`);
  return { role, tables: reachable.map((r) => r.name), warnings };
}
