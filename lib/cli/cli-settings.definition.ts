import { strategyNamesText } from '../strategies/strategy.registry';
import type { CliSettingSpec } from './cli-settings.interface';

// One table drives the config file keys, the environment variables, the flags
// and the help text, so the three ways of setting a value cannot drift apart.
export const CLI_SETTINGS: readonly CliSettingSpec[] = [
  {
    key: 'registryUrl',
    env: 'TENANCY_REGISTRY_URL',
    flag: 'registry-url',
    kind: 'url',
    valueName: 'URL',
    secret: true,
    description: 'Database holding the tenancy_tenants registry. Required.',
  },
  {
    key: 'registrySchema',
    env: 'TENANCY_REGISTRY_SCHEMA',
    flag: 'registry-schema',
    kind: 'identifier',
    valueName: 'NAME',
    description: 'Schema of the registry table. Default: tenancy.',
  },
  {
    key: 'ownerUrl',
    env: 'TENANCY_OWNER_URL',
    flag: 'owner-url',
    kind: 'url',
    valueName: 'URL',
    secret: true,
    description: 'Role that owns tenant schemas and runs migrations (not the app role). Default: the registry URL.',
  },
  {
    key: 'appRole',
    env: 'TENANCY_APP_ROLE',
    flag: 'app-role',
    kind: 'identifier',
    valueName: 'ROLE',
    description: 'Role the app connects as, granted each tenant schema. Required for the schema strategy.',
  },
  {
    key: 'migrationsDir',
    env: 'TENANCY_MIGRATIONS_DIR',
    flag: 'migrations-dir',
    kind: 'path',
    valueName: 'DIR',
    description: 'Prisma migrations folder (relative to the config file when set there). Default: ./prisma/migrations.',
  },
  {
    key: 'defaultStrategy',
    env: 'TENANCY_STRATEGY',
    flag: 'default-strategy',
    kind: 'strategy',
    valueName: 'S',
    description: `The app's strategy (the module's \`strategy\`): ${strategyNamesText()}, for tenants provisioned without --strategy and records naming none. Required to provision or migrate.`,
  },
  {
    key: 'encryptionKeys',
    env: 'TENANCY_ENCRYPTION_KEYS',
    flag: 'encryption-keys',
    kind: 'list',
    valueName: 'KEYS',
    secret: true,
    description:
      'Keys encrypting tenant database URLs (32 bytes, hex or base64), comma-separated, newest first. Default: none.',
  },
  {
    key: 'schemaPrefix',
    env: 'TENANCY_SCHEMA_PREFIX',
    flag: 'schema-prefix',
    kind: 'prefix',
    valueName: 'P',
    description:
      "Tenant schema/database name: prefix + lower-cased id, '-' as '_'. Keep it equal to the app's naming. Default: tenant_.",
  },
  {
    key: 'tenantIdPattern',
    env: 'TENANCY_TENANT_ID_PATTERN',
    flag: 'tenant-id-pattern',
    kind: 'pattern',
    valueName: 'REGEX',
    description:
      "Ids provision accepts: a regular expression anchored with ^ and $. Keep it the app's tenantIdPattern. Default: the module's default.",
  },
  {
    key: 'concurrency',
    env: 'TENANCY_CONCURRENCY',
    flag: 'concurrency',
    kind: 'int',
    valueName: 'N',
    description: 'Tenants migrated at once by migrate --all. Default: 4.',
  },
  {
    key: 'adminUrl',
    env: 'TENANCY_ADMIN_URL',
    flag: 'admin-url',
    kind: 'url',
    valueName: 'URL',
    secret: true,
    description:
      "Database strategy: a role allowed to CREATE DATABASE on the tenants' server. Default: none (database tenants refused).",
  },
  {
    key: 'appUrl',
    env: 'TENANCY_APP_URL',
    flag: 'app-url',
    kind: 'url',
    valueName: 'URL',
    secret: true,
    description:
      'Database strategy: URL tenant connections are modelled on (its database is replaced). Required unless perTenantRole.',
  },
  {
    key: 'perTenantRole',
    env: 'TENANCY_PER_TENANT_ROLE',
    flag: 'per-tenant-role',
    kind: 'bool',
    valueName: 'BOOL',
    description: 'Database strategy: give each tenant a login role of its own. Default: false.',
  },
  {
    key: 'allowPlaintextUrls',
    env: 'TENANCY_ALLOW_PLAINTEXT_URLS',
    flag: 'allow-plaintext-urls',
    kind: 'bool',
    valueName: 'BOOL',
    description: 'Database strategy: store tenant URLs unencrypted when no encryption keys are set. Default: false.',
  },
  {
    key: 'allowedServers',
    env: 'TENANCY_ALLOWED_SERVERS',
    flag: 'allowed-servers',
    kind: 'list',
    valueName: 'HOST:PORT,...',
    description:
      "Database strategy: other addresses of the admin server (alias, PgBouncer) tenant URLs may name, besides the admin and app URLs' servers. Default: none.",
  },
  {
    key: 'rlsTables',
    env: 'TENANCY_RLS_TABLES',
    flag: 'rls-tables',
    kind: 'list',
    valueName: 'T1,T2',
    description: 'RLS: shared tables migrate-shared puts tenant policies on, comma-separated. Default: none.',
  },
  {
    key: 'rlsSchema',
    env: 'TENANCY_RLS_SCHEMA',
    flag: 'rls-schema',
    kind: 'identifier',
    valueName: 'NAME',
    description: "RLS: schema of those tables. Default: the owner connection's current schema.",
  },
  {
    key: 'rlsTenantColumn',
    env: 'TENANCY_RLS_TENANT_COLUMN',
    flag: 'rls-tenant-column',
    kind: 'identifier',
    valueName: 'COL',
    description: 'RLS: column holding the tenant id. Default: tenant_id.',
  },
  {
    key: 'rlsSetting',
    env: 'TENANCY_RLS_SETTING',
    flag: 'rls-setting',
    kind: 'string',
    valueName: 'NAME',
    description: 'RLS: setting the policies read. Default: app.tenant_id.',
  },
];

/** The spec of a setting, by config key. */
export function settingSpec(key: string): CliSettingSpec | undefined {
  return CLI_SETTINGS.find((spec) => spec.key === key);
}

/** How to set it, for messages: `TENANCY_APP_ROLE (or "appRole" in tenancy.config.json, or --app-role)`. */
export function howToSet(spec: CliSettingSpec): string {
  return `${spec.env} (or "${spec.key}" in the config file, or --${spec.flag})`;
}
