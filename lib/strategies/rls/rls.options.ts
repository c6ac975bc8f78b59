import { failOption as fail, isStatementCacheSize, STATEMENT_CACHE_SIZE_EXPECTED } from '../shared/option-checks';

/** RLS strategy settings. */
export interface RlsStrategyOptions {
  /**
   * The PostgreSQL setting (GUC) that carries the tenant id, read by the
   * policies with `current_setting('<setting>', true)`. Must contain a dot.
   * Default: `app.tenant_id`.
   */
  setting?: string;
  /**
   * `transaction` (default): the setting is transaction-local, set for every
   * statement; correct behind PgBouncer in transaction pooling.
   * `session`: the setting stays on the connection and is re-set only when the
   * tenant changes; faster, but only for direct connections (or PgBouncer in
   * session pooling). See docs/rls.md.
   */
  mode?: 'transaction' | 'session';
  /** Database column holding the tenant id in tenant-scoped tables. Default: `tenant_id`. */
  tenantColumn?: string;
  /**
   * Check at boot that the database role is neither superuser nor BYPASSRLS,
   * and that every table with the tenant column has RLS enabled and forced.
   * Default: `true`.
   */
  selfCheck?: boolean;
  /**
   * How many of the statements Prisma builds from model operations each
   * connection keeps prepared (named), least recently used closed first, so
   * PostgreSQL parses and plans each once per connection instead of on every
   * run (Prisma's pg adapter sends unnamed statements): tens of µs less
   * PostgreSQL CPU per statement. Raw SQL and interactive transactions stay
   * unnamed. `0` turns it off. Default: `100`.
   *
   * Behind a transaction pooler that does not keep named statements per
   * client (PgBouncer before 1.21, or `max_prepared_statements = 0`), the
   * first statement the server lacks is retried unnamed and the cache turns
   * itself off with a warning; set `0` there to skip that. See docs/rls.md.
   */
  statementCacheSize?: number;
}

/**
 * The RLS slice once validated. `setting` is not in it: it names the tenant
 * setting of every strategy, so the module resolves it with the common options.
 */
export interface ResolvedRlsOptions {
  mode: 'transaction' | 'session';
  tenantColumn: string;
  selfCheck: boolean;
  statementCacheSize: number;
}

const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/i;

/** Validates `rls` (but `rls.setting`) and fills in its defaults. */
export function resolveRlsOptions(given: RlsStrategyOptions | undefined): ResolvedRlsOptions {
  const rls = {
    mode: given?.mode ?? 'transaction',
    tenantColumn: given?.tenantColumn ?? 'tenant_id',
    selfCheck: given?.selfCheck ?? true,
    statementCacheSize: given?.statementCacheSize ?? 100,
  };
  if (rls.mode !== 'transaction' && rls.mode !== 'session') fail('rls.mode', "expected 'transaction' or 'session'");
  if (!IDENTIFIER_PATTERN.test(rls.tenantColumn)) fail('rls.tenantColumn', 'expected a column name');
  if (typeof rls.selfCheck !== 'boolean') fail('rls.selfCheck', 'expected a boolean');
  if (!isStatementCacheSize(rls.statementCacheSize)) fail('rls.statementCacheSize', STATEMENT_CACHE_SIZE_EXPECTED);
  return rls;
}

/** Row-level security on the shared database, applied by `migrateShared()`. */
export interface RlsProvisioningOptions {
  /**
   * Tables to isolate with `rlsPolicySql()` after the migrations (dropped and
   * recreated each run, in one transaction). Leave empty when the migrations
   * carry their own policies. Default: `[]`.
   */
  tables?: readonly string[];
  /** Schema of the shared tables. Default: none (the owner connection's current schema). */
  schema?: string;
  /** Column holding the tenant id. Default: `tenant_id`. */
  tenantColumn?: string;
  /** Setting the policies read. Default: `app.tenant_id`. */
  setting?: string;
}
