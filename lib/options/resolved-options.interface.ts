import type { TenancyModuleOptions, TenantResolverOption } from './tenancy-options.interface';
import type { TenantEntryPoint } from '../entry-points/tenant-entry-point.interface';
import type { TenantStore } from '../store/tenant-store.interface';
import type { TenancyStrategyName } from '../store/tenant.interface';
import type { ResolvedStrategyOptions } from '../strategies/strategy.registry';

/**
 * Options after defaults are merged and validation passed: what the
 * internals read. Each strategy's slice (`rls`, `schema`, `database`) comes
 * from its definition in the strategy registry.
 */
export interface ResolvedTenancyOptions<TClient = unknown>
  extends
    Required<
      Pick<
        TenancyModuleOptions<TClient>,
        'strategy' | 'databaseUrl' | 'createClient' | 'tenantIdPattern' | 'globalGuard' | 'tenantField'
      >
    >,
    ResolvedStrategyOptions {
  store: TenantStore;
  resolvers: TenantResolverOption[];
  entryPoints: readonly TenantEntryPoint[];
  sharedModels: ReadonlySet<string>;
  cache: { ttlMs: number; max: number };
  migrations: { onFailed: 'serve' | 'refuse' };
  /** The setting carrying the tenant id, for every strategy (the `rls.setting` option). */
  tenantSetting: string;
  pool: NonNullable<TenancyModuleOptions['pool']>;
  /** Undefined fields are off; both undefined leaves the shared pools as pg makes them. */
  sharedPool: { tenantMax?: number; waitMs?: number };
  strategies: ReadonlySet<TenancyStrategyName>;
  clientPool: { max: number; idleTtlMs: number };
  registryListener?: TenancyModuleOptions['registryListener'];
}
