import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import { TenantNotFoundError } from '../errors/tenant-not-found.error';
import type {
  MigrateAllReport,
  TargetMigrationReport,
  TenantMigrationResult,
} from '../migrations/tenant-migration.interface';
import { DEFAULT_TENANT_ID_PATTERN } from '../options/tenancy-options.validator';
import type { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { RegistryTenant } from '../registry/registry-tenant.interface';
import type { RegistryTenantPatch } from '../registry/registry-tenant.interface';
import { TenantAlreadyRegisteredError } from '../registry/tenant-already-registered.error';
import { TenantResourceTakenError } from '../registry/tenant-resource-taken.error';
import { databaseKey } from '../registry/database-key';
import { TenantLifecycleError } from './tenant-lifecycle.error';
import type { TenancyStrategyName } from '../store/tenant.interface';
import { TENANCY_STRATEGIES } from '../strategies/strategy.registry';
import { DeprovisionNotConfirmedError } from './deprovision-not-confirmed.error';
import { withLifecycleLock } from './lifecycle-lock';
import type { StrategyProvisioner } from './strategy-provisioner.interface';
import { TenantLifecycleEmitter, type TenantLifecycleOperation } from './tenant-lifecycle.events';
import { expectInputMatches, expectStatus, missingFields } from './tenant-lifecycle.rules';
import { TenantMigrator } from './tenant-migrator';
import type {
  DeprovisionOptions,
  MigrateTenantsOptions,
  ProvisionTenantInput,
  TenantProvisionerOptions,
} from './tenant-provisioner.interface';
import { DEFAULT_PROVISIONING_STRATEGY, validateProvisionerOptions } from './tenant-provisioner.validator';

/**
 * Creates, migrates, suspends and drops tenants recorded in a
 * `PrismaTenantStore`. A plain class: use it from a Nest provider, a CLI or a
 * job. Operations on one tenant are serialised across processes by an
 * advisory lock in the registry database.
 *
 * A tenant becomes `active` only once everything it needs exists and is
 * migrated; until then requests see it as inactive. A failure leaves it
 * `failed` with `last_error`; `provision()` again finishes what is missing.
 */
export class TenantProvisioner extends TenantLifecycleEmitter {
  private readonly store: PrismaTenantStore;
  private readonly owner: Pool;
  // The strategies whose provisioner could be built (the database strategy needs its options).
  private readonly strategies = new Map<TenancyStrategyName, StrategyProvisioner>();
  private readonly migrator: TenantMigrator;
  private readonly defaultStrategy: TenancyStrategyName;
  private readonly idPattern: RegExp;
  private readonly lockTimeoutMs: number;

  constructor(private readonly options: TenantProvisionerOptions) {
    super();
    validateProvisionerOptions(options);
    this.store = options.store;
    this.defaultStrategy = options.defaultStrategy ?? DEFAULT_PROVISIONING_STRATEGY;
    this.idPattern = options.tenantIdPattern ?? DEFAULT_TENANT_ID_PATTERN;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 600_000;
    this.owner = new Pool({ connectionString: options.ownerUrl, max: options.poolSize ?? 4 });
    this.owner.on('error', () => undefined); // an idle connection dropped by the server; the next query reconnects
    const common = { owner: this.owner, ownerUrl: options.ownerUrl, store: this.store, appRole: options.appRole };
    for (const definition of TENANCY_STRATEGIES) {
      const provisioner = definition.provisioning().create(options[definition.name], common);
      if (provisioner) this.strategies.set(definition.name, provisioner);
    }
    this.migrator = new TenantMigrator(this.store, (tenant) => this.strategyOf(tenant), {
      migrations: options.migrations,
      lockTimeoutMs: this.lockTimeoutMs,
      checksumMismatch: options.checksumMismatch,
    });
  }

  /**
   * Registers the tenant (as `provisioning`), creates its schema or database,
   * applies every migration, then marks it `active`. For a `provisioning` or
   * `failed` tenant it resumes; for an `active` one it does nothing.
   * @throws TenantLifecycleError for a suspended or deleted tenant, or input contradicting its record.
   */
  async provision(input: ProvisionTenantInput): Promise<RegistryTenant> {
    const id = input?.id;
    if (typeof id !== 'string' || !this.idPattern.test(id)) throw new InvalidTenantIdError();
    return this.locked(id, 'provision', async () => {
      const started = performance.now();
      let tenant = await this.register(input);
      if (tenant.status === 'active') return tenant;
      expectStatus(
        tenant,
        'provision',
        ['provisioning', 'failed'],
        'only new, provisioning or failed tenants can be provisioned',
      );
      expectInputMatches(tenant, input, this.store.plaintextDatabaseUrl(tenant));
      try {
        tenant = await this.store.update(id, {
          status: 'provisioning',
          ...missingFields(tenant, input, this.defaultStrategy),
        });
        const strategy = this.strategyOf(tenant);
        const patch = strategy.prepare(tenant);
        if (Object.keys(patch).length) tenant = await this.store.update(id, patch);
        await strategy.create(tenant);
        const result = strategy.target(tenant) ? await this.migrator.run(tenant, true) : undefined;
        if (result) await this.migrator.record(tenant, result);
        if (result?.error) throw result.error;
        await strategy.grant(tenant);
        tenant = await this.store.update(id, { status: 'active', lastError: null });
        this.emit('provisioned', { tenant, applied: result?.applied ?? [], durationMs: performance.now() - started });
        return tenant;
      } catch (error) {
        await this.store.setStatus(id, 'failed', error).catch(() => undefined);
        throw this.failed(id, 'provision', error);
      }
    });
  }

  /** Takes an `active` tenant out of service (its data stays). A suspended tenant is left as it is. */
  suspend(id: string): Promise<RegistryTenant> {
    return this.locked(id, 'suspend', async () => {
      const tenant = await this.existing(id);
      if (tenant.status === 'suspended') return tenant;
      expectStatus(tenant, 'suspend', ['active'], 'only active tenants can be suspended');
      const suspended = await this.store.setStatus(id, 'suspended');
      this.emit('suspended', { tenant: suspended });
      return suspended;
    });
  }

  /** Brings a suspended tenant back, migrating it first (migrations may have run while it was out). */
  activate(id: string): Promise<RegistryTenant> {
    return this.locked(id, 'activate', async () => {
      let tenant = await this.existing(id);
      if (tenant.status === 'active') return tenant;
      expectStatus(tenant, 'activate', ['suspended'], 'only suspended tenants can be activated (provision the others)');
      if (this.strategyOf(tenant).target(tenant)) {
        const result = await this.migrator.run(tenant);
        await this.migrator.record(tenant, result);
        if (result.error) throw this.failed(id, 'activate', result.error);
      }
      tenant = await this.store.setStatus(id, 'active');
      this.emit('activated', { tenant });
      return tenant;
    });
  }

  /**
   * Drops the tenant's schema or database (and its own role) and marks it
   * `deleted`, first, so it stops being served before anything goes. An RLS
   * tenant's rows are left for the app to delete. Runs again on a `deleted`
   * tenant, to finish a drop that failed.
   * @throws DeprovisionNotConfirmedError unless `options.confirm === id`.
   */
  async deprovision(id: string, options: DeprovisionOptions): Promise<RegistryTenant> {
    if (options?.confirm !== id) throw new DeprovisionNotConfirmedError(String(id));
    return this.locked(id, 'deprovision', async () => {
      let tenant = await this.existing(id);
      if (tenant.status !== 'deleted') tenant = await this.store.setStatus(id, 'deleted');
      try {
        const dropped = await this.strategyOf(tenant).drop(tenant, { deleteRows: options.deleteRows === true });
        this.emit('deleted', { tenantId: id, strategy: this.strategyName(tenant), dropped });
        return tenant;
      } catch (error) {
        await this.store.update(id, { lastError: (error as Error).message }).catch(() => undefined);
        throw this.failed(id, 'deprovision', error);
      }
    });
  }

  /** Applies pending migrations to one active or suspended tenant and records the outcome. */
  migrate(id: string): Promise<TenantMigrationResult> {
    return this.locked(id, 'migrate', async () => {
      const tenant = await this.existing(id);
      expectStatus(tenant, 'migrate', ['active', 'suspended'], 'only active or suspended tenants are migrated');
      if (!this.strategyOf(tenant).target(tenant)) {
        return {
          target: { tenantId: id },
          applied: [],
          warnings: ['RLS tenants share the database: run migrateShared()'],
          durationMs: 0,
        };
      }
      const result = await this.migrator.run(tenant);
      await this.migrator.record(tenant, result);
      if (result.error) throw this.failed(id, 'migrate', result.error);
      this.emit('migrated', {
        tenantId: id,
        applied: result.applied,
        warnings: result.warnings,
        durationMs: result.durationMs,
      });
      return result;
    });
  }

  /**
   * Migrates every tenant in `statuses` (default: active) that has a schema or
   * database of its own, `concurrency` at a time, going on past failures.
   * Each tenant is migrated under its lifecycle lock and re-read first, so a
   * tenant deprovisioned (or suspended, when not asked for) while the run
   * goes on is skipped with a warning instead of failing or being recreated.
   * Each outcome is recorded on its tenant; the runner's report is returned.
   */
  async migrateAll(options: MigrateTenantsOptions = {}): Promise<MigrateAllReport> {
    const { statuses = ['active'], ...runOptions } = options;
    const migratable = statuses.filter((status) => status === 'active' || status === 'suspended');
    const tenants = await this.store.list({ status: migratable });
    const onRecorded = (line: TargetMigrationReport) => {
      const tenantId = line.target.tenantId!;
      if (line.error) this.emit('failed', { tenantId, operation: 'migrate', error: line.error });
      else
        this.emit('migrated', {
          tenantId,
          applied: line.applied,
          warnings: line.warnings,
          durationMs: line.durationMs,
        });
    };
    return this.migrator.runAll(tenants, runOptions, onRecorded, (tenant, migrate) =>
      this.locked(tenant.id, 'migrate', async () => {
        const current = await this.store.findById(tenant.id);
        return current && (migratable as string[]).includes(current.status) ? migrate() : undefined;
      }),
    );
  }

  /** Migrates the shared database (RLS tenants) and (re)creates the policies of `rls.tables`. */
  migrateShared(): Promise<TenantMigrationResult> {
    const { migrations, checksumMismatch } = this.options;
    // The strategy whose tenants live in the shared database's tables.
    const shared = [...this.strategies.values()].find((strategy) => strategy.migrateShared)!;
    return shared.migrateShared!({ migrations, checksumMismatch, lockTimeoutMs: this.lockTimeoutMs });
  }

  /**
   * After fixing a migration that failed for this tenant: marks it rolled back
   * so the next `migrate`/`migrateAll` applies it again (Prisma's
   * `migrate resolve --rolled-back`). Returns how many records were marked.
   */
  markRolledBack(id: string, migrationName: string): Promise<number> {
    return this.locked(id, 'migrate', async () => this.migrator.markRolledBack(await this.existing(id), migrationName));
  }

  /**
   * The upgrade path from releases that wrote no ownership markers: marks the
   * tenant's existing schema or database (and its own role) as the tenant's,
   * so the strategies serve it and provisioning and deprovisioning accept it.
   * Refused (`TenantResourceTakenError`) when another record names the same
   * schema or database, and (`TenantResourceNotOwnedError`) when it is marked
   * for another tenant; nothing is marked then. Returns what it marked (empty
   * when already marked). Run it only for objects you know are this tenant's.
   */
  claim(id: string): Promise<string[]> {
    return this.locked(id, 'claim', async () => {
      const tenant = await this.existing(id);
      const strategy = this.strategyOf(tenant);
      if (!strategy.claim) {
        throw new TenantLifecycleError(
          id,
          'claim',
          'status',
          'RLS tenants have no schema or database of their own to claim',
          tenant.status,
        );
      }
      expectStatus(tenant, 'claim', ['provisioning', 'active', 'suspended', 'failed'], 'a deleted tenant owns nothing');
      await this.refuseTaken({ ...tenant, schemaName: strategy.prepare(tenant).schemaName ?? tenant.schemaName });
      const marked = await strategy.claim(tenant);
      this.emit('claimed', { tenantId: id, marked });
      return marked;
    });
  }

  /** Closes the owner pool. The store is the caller's to close. */
  async close(): Promise<void> {
    await this.owner.end();
  }

  /**
   * The record of a new tenant, or the existing one for a retry. A new one is
   * checked whole before it is written: its names are usable
   * (`TenantMisconfiguredError` for a name past PostgreSQL's 63 bytes, a
   * reserved schema, a URL naming another server), no schema, database or
   * role of its name exists unless marked as its (`TenantResourceNotOwnedError`),
   * and no other record names them (`TenantResourceTakenError`, from the
   * registry's unique names), so a refused provisioning leaves nothing behind.
   */
  private async register(input: ProvisionTenantInput): Promise<RegistryTenant> {
    const existing = await this.store.findById(input.id);
    if (existing) return existing;
    const { id, name } = input;
    const strategy = input.strategy ?? this.defaultStrategy;
    const now = new Date();
    const candidate: RegistryTenant = {
      id,
      status: 'provisioning',
      strategy,
      ...(input.schemaName !== undefined && { schemaName: input.schemaName }),
      ...(input.databaseUrl !== undefined && { databaseUrl: input.databaseUrl }),
      schemaVersion: null,
      migratedAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
    const provisioner = this.strategyOf(candidate);
    const patch: RegistryTenantPatch = provisioner.prepare(candidate);
    const schemaName = patch.schemaName ?? input.schemaName;
    const databaseUrl = patch.databaseUrl ?? input.databaseUrl;
    const named = {
      ...candidate,
      ...(schemaName !== undefined && { schemaName }),
      ...(databaseUrl && { databaseUrl }),
    };
    // The registry first (the clearer answer), then the objects themselves; the unique names still decide a race.
    await this.refuseTaken(named);
    await provisioner.check?.(named);
    try {
      return await this.store.create({
        id,
        name,
        strategy,
        schemaName,
        databaseUrl: databaseUrl ?? undefined,
        status: 'provisioning',
      });
    } catch (error) {
      // Created meanwhile by something that does not take the lifecycle lock (store.create()).
      if (!(error instanceof TenantAlreadyRegisteredError)) throw error;
      return (await this.store.findById(input.id))!;
    }
  }

  /** `TenantResourceTakenError` when another record names the tenant's schema or database. */
  private async refuseTaken(tenant: RegistryTenant): Promise<void> {
    const databaseUrl = this.store.plaintextDatabaseUrl(tenant);
    if (!(await this.store.othersNaming({ id: tenant.id, schemaName: tenant.schemaName, databaseUrl })).length) return;
    // A strategy naming neither (an RLS record given a schema name or URL anyway): reported as its URL's database.
    const { kind, name } = this.strategies.get(this.strategyName(tenant))?.resource?.(tenant) ?? {
      kind: 'database' as const,
      name: (databaseUrl && databaseKey(databaseUrl)) ?? '?',
    };
    throw new TenantResourceTakenError(tenant.id, kind, name);
  }

  private async existing(id: string): Promise<RegistryTenant> {
    const tenant = await this.store.findById(id);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  }

  private strategyName(tenant: RegistryTenant): TenancyStrategyName {
    return tenant.strategy ?? this.defaultStrategy;
  }

  private strategyOf(tenant: RegistryTenant): StrategyProvisioner {
    const name = this.strategyName(tenant);
    const strategy = this.strategies.get(name);
    if (!strategy) {
      throw new TenancyConfigError(
        name,
        `tenant "${tenant.id}" uses the ${name} strategy, which needs the provisioner's ${name} options`,
      );
    }
    return strategy;
  }

  private locked<T>(id: string, operation: TenantLifecycleOperation, work: () => Promise<T>): Promise<T> {
    return withLifecycleLock(this.store.pool, `${this.store.schema}:${id}`, operation, this.lockTimeoutMs, work);
  }

  private failed(tenantId: string, operation: TenantLifecycleOperation, caught: unknown): Error {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    this.emit('failed', { tenantId, operation, error });
    return error;
  }
}
