import { TenancyConfigError } from '../../errors/tenancy-config.error';

/**
 * Stops the boot with `TenancyConfigError`, naming the option path at fault
 * and what was expected. Imported as `fail`: test/docs/troubleshooting.spec.ts
 * reads the fields of `fail(...)` calls to check each is documented.
 */
export function failOption(field: string, message: string): never {
  throw new TenancyConfigError(field, message);
}

/** A non-null object (arrays included): what an options slice must be before its fields are read. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
