import type { TenantSecretCipher } from '../crypto/tenant-secret.cipher';
import type { TenancyModuleOptions, TenantResolverOption } from './tenancy-options.interface';
import type { TenantStore } from '../store/tenant-store.interface';
import type { Tenant, TenancyStrategyName } from '../store/tenant.interface';

/** Options after defaults are merged and validation passed: what the internals read. */
export interface ResolvedTenancyOptions<TClient = unknown> extends Required<
  Pick<
    TenancyModuleOptions<TClient>,
    'strategy' | 'databaseUrl' | 'createClient' | 'tenantIdPattern' | 'globalGuard' | 'tenantField'
  >
> {
  store: TenantStore;
  resolvers: TenantResolverOption[];
  sharedModels: ReadonlySet<string>;
  cache: { ttlMs: number; max: number };
  migrations: { onFailed: 'serve' | 'refuse' };
  pool: NonNullable<TenancyModuleOptions['pool']>;
  /** Undefined fields are off; both undefined leaves the shared pools as pg makes them. */
  sharedPool: { tenantMax?: number; waitMs?: number };
  rls: { setting: string; mode: 'transaction' | 'session'; tenantColumn: string; selfCheck: boolean };
  strategies: ReadonlySet<TenancyStrategyName>;
  clientPool: { max: number; idleTtlMs: number };
  schema: { naming: (tenant: Tenant) => string };
  registryListener?: TenancyModuleOptions['registryListener'];
  /** `encryptionKeys` become a cipher at boot, so bad keys stop the app. */
  database: {
    poolSize: number;
    connectionBudget: number;
    budgetWaitMs: number;
    connectTimeoutMs: number;
    cipher?: TenantSecretCipher;
    allowPlaintextUrls: boolean;
  };
}
