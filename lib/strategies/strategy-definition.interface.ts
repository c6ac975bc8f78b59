import type { Pool } from 'pg';
import type { StrategyProvisioner } from '../provisioning/strategy-provisioner.interface';
import type { PrismaTenantStore } from '../registry/prisma-tenant.store';
import type { TenantStore } from '../store/tenant-store.interface';
import type { Tenant, TenancyStrategyName } from '../store/tenant.interface';
import type { TenancyStrategy, TenancyStrategyCommon } from './tenancy-strategy.interface';

/** What a strategy's provisioner receives besides its own options slice. */
export interface StrategyProvisionerCommon {
  /** The owner role's pool on the shared database. */
  owner: Pool;
  /** The owner role's connection string (`TenantProvisionerOptions.ownerUrl`). */
  ownerUrl: string;
  /** The registry. */
  store: PrismaTenantStore;
  /** The role the application connects as (`TenantProvisionerOptions.appRole`), if given. */
  appRole?: string;
}

/** How a strategy's tenants are provisioned; `TProvisioning` is its slice of `TenantProvisionerOptions`. */
export interface StrategyProvisioning<TProvisioning = unknown> {
  /**
   * Checks the provisioner's slice (`options[name]`, possibly undefined) and
   * the common options the strategy needs, when the provisioner is built.
   * `isDefault`: tenants provisioned without a strategy get this one.
   * Throws `TenancyConfigError` naming the field. Default: nothing to check.
   */
  validate?(
    given: TProvisioning | undefined,
    common: { store: PrismaTenantStore; appRole?: string },
    isDefault: boolean,
  ): void;
  /**
   * Builds the strategy's provisioner, or returns `undefined` when the slice
   * it needs is missing: its tenants are then refused with
   * `TenancyConfigError` naming `<name>`.
   */
  create(given: TProvisioning | undefined, common: StrategyProvisionerCommon): StrategyProvisioner | undefined;
}

/**
 * Everything the package knows about one isolation strategy, registered once
 * in `strategy.registry.ts`. `TOptions` is the module's options slice once
 * resolved (`TenancyModuleOptions[name]`), `TProvisioning` the provisioner's
 * (`TenantProvisionerOptions[name]`).
 */
export interface TenancyStrategyDefinition<
  TName extends TenancyStrategyName = TenancyStrategyName,
  TOptions = unknown,
  TProvisioning = unknown,
> {
  /** The name tenant records, options, the registry table and the CLI use. */
  readonly name: TName;
  /**
   * Validates the strategy's own slice of the module options (`options[name]`,
   * possibly undefined) at boot and fills in its defaults. Runs for every
   * registered strategy, enabled or not. Throws `TenancyConfigError` naming
   * `<name>.<field>`. `common.store` is the resolved tenant store, for checks
   * that involve it.
   */
  resolveOptions(given: unknown, common: { store: TenantStore }): TOptions;
  /** Builds the runtime strategy (the module calls `init()` next) from its resolved slice and what is common. */
  createStrategy<TClient>(options: TOptions, common: TenancyStrategyCommon<TClient>): TenancyStrategy<TClient>;
  /**
   * Its provisioning (`TenantProvisioner`), from `<name>.provisioning.ts`.
   * Loaded on first call (a `require`), so an app's runtime import graph
   * never holds provisioning code: only the provisioner and the CLI call it.
   */
  provisioning(): StrategyProvisioning<TProvisioning>;
  /** What the CLI needs to know. */
  cli: {
    /**
     * CLI settings (keys of `CliSettings`) that provisioning a tenant of this
     * strategy needs, checked before anything is registered. Default: none.
     */
    requiredSettings?: readonly string[];
    /** Where a provisioned tenant lives, for `provision`'s line: `schema tenant_acme`, `own database`. */
    describe(tenant: Tenant): string;
  };
}
