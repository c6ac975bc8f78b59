import { TenantSecretCipher } from '../crypto/tenant-secret.cipher';
import { readMigrationsFolder } from '../migrations/migration-folder';
import { prefixedTenantName } from '../options/tenancy-options.validator';
import type { TenantMigration } from '../migrations/tenant-migration.interface';
import { TenantProvisioner } from '../provisioning/tenant-provisioner.service';
import type { TenantProvisionerOptions } from '../provisioning/tenant-provisioner.interface';
import { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { CliOutput } from './cli-output';
import { howToSet, settingSpec } from './cli-settings.definition';
import type { CliSettings } from './cli-settings.interface';
import { CliSettingsError } from './cli-settings.error';
import { DEFAULT_CONFIG_FILE } from './cli.constants';
import type { TenancyStrategyName } from '../store/tenant.interface';

/**
 * What a command works with: the settings, the output, and the registry store
 * and provisioner, built on first use (so `status` never needs an owner URL,
 * the strategy or the migrations) and all closed by `close()`, so the process can exit.
 */
export class CliContext {
  private store?: PrismaTenantStore;
  private provisioner?: TenantProvisioner;
  private migrationList?: TenantMigration[];

  constructor(
    readonly settings: CliSettings,
    readonly output: CliOutput,
    /** Whether a person watches: progress bar rather than plain lines. */
    readonly isTTY: boolean,
    /** Aborted on Ctrl+C. */
    readonly signal?: AbortSignal,
  ) {}

  /** The setting, or a usage error naming its environment variable, config key and flag. */
  require<K extends keyof CliSettings>(key: K): NonNullable<CliSettings[K]> {
    const value = this.settings[key];
    if (value === undefined || value === null)
      throw new CliSettingsError(`missing setting "${key}": set ${howToSet(settingSpec(key)!)}`);
    return value as NonNullable<CliSettings[K]>;
  }

  /**
   * The app's strategy: no default, so a CLI left unset cannot provision or
   * migrate tenants with another strategy than the app serves them with.
   */
  strategy(): TenancyStrategyName {
    const strategy = this.settings.defaultStrategy;
    if (strategy) return strategy;
    throw new CliSettingsError(
      'missing setting "defaultStrategy": the CLI needs the app\'s strategy (TenancyModule\'s `strategy`: rls, ' +
        'schema or database), for tenants provisioned without --strategy and records naming none. Set it once: ' +
        `"defaultStrategy" in ${DEFAULT_CONFIG_FILE}, or ${settingSpec('defaultStrategy')!.env}, or --${settingSpec('defaultStrategy')!.flag}`,
    );
  }

  /** The registry store. It never decrypts URLs on read: the CLI shows none, and `status` needs no keys. */
  registry(): PrismaTenantStore {
    if (!this.store) {
      const { encryptionKeys, registrySchema } = this.settings;
      const cipher = encryptionKeys.length ? new TenantSecretCipher({ keys: encryptionKeys }) : undefined;
      this.store = new PrismaTenantStore(this.require('registryUrl'), {
        schema: registrySchema,
        cipher,
        decryptOnRead: false,
      });
    }
    return this.store;
  }

  /** The app's migrations, read once; warns when the folder holds none (a wrong path would look like success). */
  async migrations(): Promise<TenantMigration[]> {
    if (!this.migrationList) {
      this.migrationList = await readMigrationsFolder(this.settings.migrationsDir);
      if (!this.migrationList.length) this.output.err(`warning: no migrations found in ${this.settings.migrationsDir}`);
    }
    return this.migrationList;
  }

  /** The provisioner over the registry, with an owner pool big enough for `migrate --all`'s concurrency. */
  async tenants(): Promise<TenantProvisioner> {
    if (!this.provisioner) {
      this.strategy(); // before the migrations are read: the setting is what to fix first
      const options = this.provisionerOptions(this.registry(), await this.migrations());
      this.provisioner = new TenantProvisioner(options);
    }
    return this.provisioner;
  }

  /** Creates the registry table if it is missing (`true` when it did), or upgrades it when a registry migration is pending. */
  async ensureRegistry(): Promise<boolean> {
    const store = this.registry();
    const state = await store.migrationState();
    if (state === 'current') return false;
    const { warnings } = await store.migrate();
    for (const warning of warnings) this.output.err(`warning: ${warning}`);
    return state === 'missing';
  }

  /** Closes every pool opened, provisioner first (it uses the store). */
  async close(): Promise<void> {
    await this.provisioner?.close().catch(() => undefined);
    await this.store?.close().catch(() => undefined);
  }

  private provisionerOptions(store: PrismaTenantStore, migrations: TenantMigration[]): TenantProvisionerOptions {
    const s = this.settings;
    const naming = prefixedTenantName(s.schemaPrefix);
    return {
      store,
      migrations,
      ownerUrl: s.ownerUrl ?? this.require('registryUrl'),
      appRole: s.appRole,
      defaultStrategy: this.strategy(),
      tenantIdPattern: s.tenantIdPattern,
      schema: { naming },
      database: s.adminUrl
        ? {
            adminUrl: s.adminUrl,
            appUrl: s.appUrl,
            perTenantRole: s.perTenantRole,
            allowPlaintextUrls: s.allowPlaintextUrls,
            allowedServers: s.allowedServers,
            naming,
          }
        : undefined,
      rls: { tables: s.rlsTables, schema: s.rlsSchema, tenantColumn: s.rlsTenantColumn, setting: s.rlsSetting },
      // Each migrating tenant holds an owner connection; a smaller pool would just queue them.
      poolSize: Math.max(4, s.concurrency),
    };
  }
}
