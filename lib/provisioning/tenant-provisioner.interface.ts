import type { MigrateAllOptions, TenantMigration } from '../migrations/tenant-migration.interface';
import type { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { TenancyStrategyName, TenantStatus } from '../store/tenant.interface';
import type { DatabaseProvisioningOptions } from '../strategies/database/database-provisioning.options';
import type { RlsProvisioningOptions } from '../strategies/rls/rls.options';
import type { SchemaProvisioningOptions } from '../strategies/schema/schema.options';

// Each strategy's provisioning options live in its folder; re-exported here, where the public API finds them.
export type { DatabaseProvisioningOptions, RlsProvisioningOptions, SchemaProvisioningOptions };

/** Options of `TenantProvisioner`. */
export interface TenantProvisionerOptions {
  /** The registry. Its cipher (if any) encrypts the database URLs provisioning generates. */
  store: PrismaTenantStore;
  /** The app's migrations, as `readMigrationsFolder()` returns them. */
  migrations: readonly TenantMigration[];
  /**
   * The role that owns tenant objects, on the shared database: it creates
   * tenant schemas, runs migrations and grants. Not the app role, and not
   * through PgBouncer in transaction pooling (migrations hold session locks).
   */
  ownerUrl: string;
  /**
   * The role the application connects as, granted USAGE on tenant schemas and
   * SELECT/INSERT/UPDATE/DELETE on their tables. Required for the schema
   * strategy. Default: none.
   */
  appRole?: string;
  /** Strategy of tenants provisioned without one. Default: `schema`. */
  defaultStrategy?: TenancyStrategyName;
  /** Schema strategy naming; keep it equal to the module's `schema.naming`. Default: `tenant_<id>`. */
  schema?: SchemaProvisioningOptions;
  /** Database strategy settings; without them, database tenants are refused. Default: none. */
  database?: DatabaseProvisioningOptions;
  /** RLS settings of `migrateShared()`. Default: no policies added. */
  rls?: RlsProvisioningOptions;
  /** Ids accepted by `provision()`. Default: `DEFAULT_TENANT_ID_PATTERN`, as the module's. */
  tenantIdPattern?: RegExp;
  /** Most connections of the owner pool; keep `migrateAll`'s concurrency at or below it. Default: `4`. */
  poolSize?: number;
  /** How long to wait for another process working on the same tenant, in ms; `0` waits for ever. Default: `600000`. */
  lockTimeoutMs?: number;
  /** The runner's `checksumMismatch`. Default: `error`. */
  checksumMismatch?: 'error' | 'warn';
}

/** Input of `provision()`. Omitted fields come from the defaults (or, on a retry, from the record). */
export interface ProvisionTenantInput {
  id: string;
  name?: string;
  /** Default: the provisioner's `defaultStrategy`. */
  strategy?: TenancyStrategyName;
  /** Schema strategy only. Default: the naming rule. */
  schemaName?: string;
  /** Database strategy only: use this URL (its database is still created if missing). Default: generated. */
  databaseUrl?: string;
}

/** Options of `deprovision()`. */
export interface DeprovisionOptions {
  /** Must equal the tenant id, or nothing is dropped. */
  confirm: string;
  /**
   * RLS tenants: also delete the tenant's rows from `rls.tables`, in one
   * transaction, in reverse order of that list (list parent tables before
   * their children). Schema and database tenants lose everything anyway.
   * Default: `false` (the rows stay, for the app to delete).
   */
  deleteRows?: boolean;
}

/** Options of `migrateAll()`. */
export interface MigrateTenantsOptions extends MigrateAllOptions {
  /**
   * Tenants migrated, by status. Tenants still being provisioned (or failed,
   * or deleted) are never included: `provision()` migrates those. Default: `['active']`.
   */
  statuses?: readonly Extract<TenantStatus, 'active' | 'suspended'>[];
}

// Compile-time: every registered strategy has its provisioning slice, under its name.
type AssertNone<T extends never> = T;
type _StrategyWithoutProvisioning = AssertNone<Exclude<TenancyStrategyName, keyof TenantProvisionerOptions>>;
