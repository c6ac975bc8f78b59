import { FailedMigrationFoundError } from '../migrations/errors/failed-migration-found.error';
import { TenantMigrationRunner } from '../migrations/migration-runner';
import type {
  MigrateAllOptions,
  MigrateAllReport,
  MigrationTarget,
  TargetMigrationReport,
  TenantMigration,
  TenantMigrationResult,
} from '../migrations/tenant-migration.interface';
import type { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { RegistryTenant } from '../registry/registry-tenant.interface';
import type { StrategyProvisioner } from './strategy-provisioner.interface';

/** Settings passed through to `TenantMigrationRunner`. */
export interface TenantMigratorSettings {
  migrations: readonly TenantMigration[];
  lockTimeoutMs: number;
  checksumMismatch?: 'error' | 'warn';
}

/**
 * Runs the app's migrations for registry tenants through the package's
 * runner (each tenant under the runner's advisory lock, so nothing is applied
 * twice whoever else migrates it) and records the outcome on the tenant:
 * `schema_version` and `migrated_at` on success, `last_error` on failure.
 */
export class TenantMigrator {
  constructor(
    private readonly store: PrismaTenantStore,
    private readonly strategyOf: (tenant: RegistryTenant) => StrategyProvisioner,
    private readonly settings: TenantMigratorSettings,
  ) {}

  /** The tenants' targets; tenants without migrations of their own (RLS) are left out. */
  targets(tenants: readonly RegistryTenant[]): MigrationTarget[] {
    return tenants.flatMap((tenant) => this.strategyOf(tenant).target(tenant) ?? []);
  }

  /**
   * Migrates one tenant, without recording. Never throws for a migration
   * failure: the line carries `error`, and `applied` lists what committed
   * before it. With `retryFailed`, migrations this runner recorded as failed
   * are marked rolled back and tried again once: safe for a tenant that never
   * served traffic, as the runner rolls a failed migration back entirely.
   */
  async run(tenant: RegistryTenant, retryFailed = false): Promise<TargetMigrationReport> {
    const targets = this.targets([tenant]);
    const runner = this.runner([tenant]);
    const line = (await runner.migrateAll(targets, { concurrency: 1 })).targets[0];
    if (!retryFailed || !(line.error instanceof FailedMigrationFoundError)) return line;
    for (const name of line.error.migrationNames) await runner.markRolledBack(targets[0], name);
    return (await runner.migrateAll(targets, { concurrency: 1 })).targets[0];
  }

  /**
   * Migrates many tenants with bounded concurrency, recording each as it
   * finishes; `onRecorded` is called once per target after its outcome is
   * recorded (or recording failed, which is added to its warnings). `guard`
   * runs each tenant's migration (under a lock, say) or returns `undefined`
   * to skip it. Skipped tenants (by `guard`, or by `signal`) get no record
   * and no `onRecorded` call.
   */
  async runAll(
    tenants: readonly RegistryTenant[],
    options: MigrateAllOptions,
    onRecorded: (line: TargetMigrationReport) => void,
    guard?: (
      tenant: RegistryTenant,
      migrate: () => Promise<TenantMigrationResult>,
    ) => Promise<TenantMigrationResult | undefined>,
  ): Promise<MigrateAllReport> {
    const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
    const records: Promise<void>[] = [];
    const report = await this.runner(tenants).migrateAll(this.targets(tenants), {
      ...options,
      around:
        guard &&
        (async (target, migrate) =>
          (await guard(byId.get(target.tenantId!)!, migrate)) ?? {
            skip: 'no longer migratable (deprovisioned or suspended meanwhile)',
          }),
      onProgress: (line, progress) => {
        if (line.status === 'skipped') {
          options.onProgress?.(line, progress);
          return;
        }
        records.push(
          this.record(byId.get(line.target.tenantId!)!, line).then(
            () => onRecorded(line),
            (error: Error) => {
              line.warnings.push(`recording the outcome in the registry failed: ${error.message}`);
              onRecorded(line);
            },
          ),
        );
        options.onProgress?.(line, progress);
      },
    });
    await Promise.all(records);
    return report;
  }

  /** Marks the tenant's failed migration rolled back (see `TenantMigrationRunner.markRolledBack`). */
  markRolledBack(tenant: RegistryTenant, migrationName: string): Promise<number> {
    const [target] = this.targets([tenant]);
    return this.runner([tenant]).markRolledBack(target, migrationName);
  }

  /** Writes a migration outcome onto the tenant's record. */
  async record(tenant: RegistryTenant, line: TargetMigrationReport): Promise<RegistryTenant> {
    if (line.error) {
      return this.store.update(tenant.id, { schemaVersion: line.applied.at(-1), lastError: line.error.message });
    }
    // Success means every migration of this code is applied, the last one included.
    const schemaVersion = this.settings.migrations.at(-1)?.name;
    return this.store.update(tenant.id, { schemaVersion, migratedAt: new Date(), lastError: null });
  }

  private runner(tenants: readonly RegistryTenant[]): TenantMigrationRunner {
    const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
    return new TenantMigrationRunner({
      connect: (target) => {
        const tenant = byId.get(target.tenantId!)!;
        return this.strategyOf(tenant).connect(tenant);
      },
      migrations: this.settings.migrations,
      lockTimeoutMs: this.settings.lockTimeoutMs,
      checksumMismatch: this.settings.checksumMismatch,
      // Provisioning creates schemas (with their grants); a migration run that
      // finds one missing must fail, not recreate a schema just deprovisioned.
      createSchema: false,
    });
  }
}
