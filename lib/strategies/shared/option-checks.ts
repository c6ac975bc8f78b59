import { TenancyConfigError } from '../../errors/tenancy-config.error';

/**
 * Stops the boot with `TenancyConfigError`, naming the option path at fault
 * and what was expected. Imported as `fail`: test/docs/troubleshooting.spec.ts
 * reads the fields of `fail(...)` calls to check each is documented.
 */
export function failOption(field: string, message: string): never {
  throw new TenancyConfigError(field, message);
}

/** Past it, a statement cache costs the server more memory per connection than it could save. */
const STATEMENT_CACHE_MAX = 10_000;

/** What a `statementCacheSize` option (see NamedStatements) must be, for its error. */
export const STATEMENT_CACHE_SIZE_EXPECTED = `expected a whole number from 0 to ${STATEMENT_CACHE_MAX}`;

/** Whether `size` is a valid `statementCacheSize` (callers fail with their own field, so the docs test sees it). */
export function isStatementCacheSize(size: unknown): size is number {
  return Number.isSafeInteger(size) && (size as number) >= 0 && (size as number) <= STATEMENT_CACHE_MAX;
}

/** A non-null object (arrays included): what an options slice must be before its fields are read. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
