import type { TenancyStrategyName } from '../store/tenant.interface';

/** The CLI's settings once merged (file < env < flags) and checked; defaults filled in. */
export interface CliSettings {
  /** Database holding the registry table `tenancy_tenants`. Required by every command. */
  registryUrl?: string;
  /** Schema of the registry table. Default: `tenancy`. */
  registrySchema: string;
  /** Role owning tenant schemas and running migrations, on the shared database. Default: `registryUrl`. */
  ownerUrl?: string;
  /** Role the app connects as, granted each tenant schema. Required for the schema strategy. */
  appRole?: string;
  /** Prisma migrations folder, absolute. Default: `./prisma/migrations`. */
  migrationsDir: string;
  /**
   * The app's strategy (`TenancyModule`'s `strategy`): of tenants provisioned
   * without `--strategy`, and of records that name none. No default: required
   * by every command that provisions or migrates, so the CLI cannot quietly
   * disagree with the app.
   */
  defaultStrategy?: TenancyStrategyName;
  /** Keys encrypting tenant database URLs, newest first. Default: none. */
  encryptionKeys: string[];
  /** Schema (and database) name prefix, before the lower-cased id. Default: `tenant_`. */
  schemaPrefix: string;
  /** Ids `provision` accepts; keep it the app's `tenantIdPattern`. */
  tenantIdPattern?: RegExp;
  /** Tenants migrated at once by `migrate --all`. Default: `4`. */
  concurrency: number;
  /** Database strategy: role allowed to CREATE DATABASE. Default: none (database tenants refused). */
  adminUrl?: string;
  /** Database strategy: URL tenant connections are modelled on. */
  appUrl?: string;
  /** Database strategy: a login role per tenant. Default: `false`. */
  perTenantRole: boolean;
  /** Database strategy: accept storing URLs unencrypted. Default: `false`. */
  allowPlaintextUrls: boolean;
  /** Database strategy: other addresses of the admin server tenant URLs may name (`host:port`). Default: none. */
  allowedServers: string[];
  /** RLS: shared tables `migrate-shared` puts policies on. Default: none. */
  rlsTables: string[];
  /** RLS: schema of those tables. Default: the owner connection's current schema. */
  rlsSchema?: string;
  /** RLS: column holding the tenant id. Default: `tenant_id`. */
  rlsTenantColumn?: string;
  /** RLS: setting the policies read. Default: `app.tenant_id`. */
  rlsSetting?: string;
}

/** How a setting's value is read and checked. */
export type CliSettingKind =
  'string' | 'identifier' | 'prefix' | 'url' | 'path' | 'list' | 'int' | 'bool' | 'strategy' | 'pattern';

/** One setting: its config key, environment variable and flag. */
export interface CliSettingSpec {
  key: keyof CliSettings;
  env: string;
  /** Flag name without `--`. */
  flag: string;
  kind: CliSettingKind;
  /** Placeholder in help, for example `URL`. */
  valueName: string;
  /** One line for the help's settings table, ending with the default. */
  description: string;
  /** Never echoed in messages (URLs with passwords, keys). */
  secret?: boolean;
}
