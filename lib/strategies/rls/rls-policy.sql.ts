import { TenancyConfigError } from '../../errors/tenancy-config.error';

/** Input of `rlsPolicySql`. */
export interface RlsPolicySqlOptions {
  /** Table name (the database name, after any `@@map`). */
  table: string;
  /** Schema of the table. Default: none (the search path decides). */
  schema?: string;
  /** Column holding the tenant id. Default: `tenant_id`. */
  tenantColumn?: string;
  /** Setting read by the policies. Default: `app.tenant_id`. */
  setting?: string;
  /** Prefix of the policy names. Default: `tenant_isolation`. */
  policyPrefix?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_$]*$/i;
const SETTING = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i;

function ident(value: string, field: string): string {
  if (!IDENTIFIER.test(value) || value.length > 63)
    throw new TenancyConfigError(field, `"${value}" is not a plain SQL identifier`);
  return `"${value}"`;
}

/**
 * SQL that isolates one tenant-scoped table by row-level security. Put its
 * output in a migration, run by the table owner.
 *
 * - ENABLE and FORCE ROW LEVEL SECURITY: FORCE makes the policies apply to the
 *   table owner too (superusers and BYPASSRLS roles still bypass them).
 * - One policy per command; writes have `WITH CHECK`, so a row can neither be
 *   written for another tenant nor moved to one.
 * - The setting is read through a scalar sub-select, which PostgreSQL runs
 *   once per statement (an InitPlan), not once per row.
 * - An unset or empty setting becomes NULL, and `tenant_id = NULL` matches no
 *   row: a connection without a tenant sees and writes nothing.
 */
export function rlsPolicySql(options: RlsPolicySqlOptions): string {
  const column = ident(options.tenantColumn ?? 'tenant_id', 'tenantColumn');
  const setting = options.setting ?? 'app.tenant_id';
  if (!SETTING.test(setting)) throw new TenancyConfigError('setting', `"${setting}" is not of the form prefix.name`);
  const prefix = options.policyPrefix ?? 'tenant_isolation';
  ident(prefix, 'policyPrefix');
  const table = (options.schema ? `${ident(options.schema, 'schema')}.` : '') + ident(options.table, 'table');
  const current = `(SELECT NULLIF(current_setting('${setting}', true), ''))`;
  const match = `${column} = ${current}`;
  const name = (command: string) => ident(`${prefix}_${command}`, 'policyPrefix');

  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY ${name('select')} ON ${table} FOR SELECT USING (${match});`,
    `CREATE POLICY ${name('insert')} ON ${table} FOR INSERT WITH CHECK (${match});`,
    `CREATE POLICY ${name('update')} ON ${table} FOR UPDATE USING (${match}) WITH CHECK (${match});`,
    `CREATE POLICY ${name('delete')} ON ${table} FOR DELETE USING (${match});`,
    '',
  ].join('\n');
}
