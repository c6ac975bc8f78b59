/** Schema of the registry table when none is given: apart from the app's own tables and `_prisma_migrations`. */
export const DEFAULT_REGISTRY_SCHEMA = 'tenancy';

/** The registry table, created by the shipped migration. */
export const REGISTRY_TABLE = 'tenancy_tenants';

/** NOTIFY channel of registry writes when none is given. */
export const DEFAULT_REGISTRY_CHANNEL = 'tenancy_tenants';

// A channel or schema is quoted into SQL (LISTEN takes no parameters), so only
// plain identifiers are accepted.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/i;

/** Whether `name` is a plain identifier, safe to quote into SQL. */
export function isPlainIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER.test(name) && !/^pg_/i.test(name);
}

/** Quotes an identifier already checked with `isPlainIdentifier` (or read from the server). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
