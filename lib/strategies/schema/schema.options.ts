import type { Tenant } from '../../store/tenant.interface';
import { failOption as fail, isStatementCacheSize, STATEMENT_CACHE_SIZE_EXPECTED } from '../shared/option-checks';
import { defaultSchemaName } from '../shared/tenant-naming';

/** Schema strategy settings. */
export interface SchemaStrategyOptions {
  /**
   * Schema of a tenant whose record has no `schemaName`. Must give a safe
   * identifier (lower-case letters, digits, `_`; at most 63 characters).
   * Default: `tenant_<id>`, with `-` turned into `_` and lower-cased.
   */
  naming?: (tenant: Tenant) => string;
  /**
   * Statements Prisma builds (model reads and writes) kept prepared per
   * connection of the shared pool, least recently used closed first:
   * PostgreSQL parses and plans each once per connection instead of on
   * every run. Each tenant's statements name its schema, so they are its
   * own: size it for the tenants a connection serves in turn times the
   * shapes of query each runs. Raw SQL and transactions stay unnamed. `0`
   * turns it off. Default: `100`.
   *
   * Behind a transaction pooler that does not keep named statements per
   * client (PgBouncer before 1.21, or `max_prepared_statements = 0`), the
   * first statement the server lacks is retried unnamed and the cache turns
   * itself off with a warning; set `0` there to skip that. See docs/strategies.md.
   */
  statementCacheSize?: number;
}

/** The schema slice once validated. */
export interface ResolvedSchemaOptions {
  naming: (tenant: Tenant) => string;
  statementCacheSize: number;
}

/** Validates `schema` and fills in its default naming. */
export function resolveSchemaOptions(given: SchemaStrategyOptions | undefined): ResolvedSchemaOptions {
  const naming = given?.naming ?? defaultSchemaName;
  if (typeof naming !== 'function') fail('schema.naming', 'expected a function (tenant) => schema name');
  const statementCacheSize = given?.statementCacheSize ?? 100;
  if (!isStatementCacheSize(statementCacheSize)) fail('schema.statementCacheSize', STATEMENT_CACHE_SIZE_EXPECTED);
  return { naming, statementCacheSize };
}

/** Schema strategy provisioning (`TenantProvisionerOptions.schema`). */
export interface SchemaProvisioningOptions {
  /** Schema name of a tenant; keep it equal to the module's `schema.naming`. Default: `tenant_<id>`. */
  naming?: (tenant: Tenant) => string;
}
