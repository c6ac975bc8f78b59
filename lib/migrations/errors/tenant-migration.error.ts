import type { MigrationTarget } from '../tenant-migration.interface';

/**
 * Base class of the errors a migration run raises for one target. Not an HTTP
 * error: migrations run at deploy or provisioning time, not in a request.
 * `errorCode` (named like `TenancyError`'s) is stable and meant for programs; `message` is meant for people.
 */
export abstract class TenantMigrationError extends Error {
  /** Stable machine-readable code, for example `MIGRATION_FAILED`. */
  abstract readonly errorCode: string;

  protected constructor(
    /** The target being migrated. */
    readonly target: MigrationTarget,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** How a target is named in messages: `tenant "acme" (schema "t_acme")`. */
export function describeTarget(target: MigrationTarget): string {
  const tenant = target.tenantId ?? target.schema ?? 'default';
  return target.schema && target.schema !== tenant
    ? `tenant "${tenant}" (schema "${target.schema}")`
    : `tenant "${tenant}"`;
}
