import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PoolConfig } from 'pg';
import type { TenantClientPool } from '../pool/tenant-client.pool';
import type { Tenant, TenancyStrategyName } from '../store/tenant.interface';

/**
 * One isolation strategy. The module picks the class from the options and
 * never branches on the strategy name elsewhere.
 */
export interface TenancyStrategy<TClient = unknown> {
  readonly name: TenancyStrategyName;
  /** Opens pools and runs boot-time checks. Throws to stop the app. */
  init(): Promise<void>;
  /** The Prisma client that serves `tenant`. Cheap: called on every `TenantPrisma.client` read. */
  clientFor(tenant: Tenant): TClient;
  /** The client for shared (not tenant-scoped) models, usable without a tenant. */
  sharedClient(): TClient;
  /**
   * The per-tenant client pool, for stats, events and invalidation
   * (`TenantPoolService`). Only strategies that keep a client per tenant have one.
   */
  clientPool?(): TenantClientPool<TClient>;
  /** Closes every client and pool. Called on application shutdown. */
  dispose(): Promise<void>;
}

/**
 * What every strategy receives besides its own options slice: the module's
 * settings that are not any one strategy's, already validated.
 */
export interface TenancyStrategyCommon<TClient = unknown> {
  /** Connection string of the application's role on the shared database. */
  databaseUrl: string;
  /** The user's client factory, given the adapter the strategy builds. */
  createClient: (adapter: SqlDriverAdapterFactory) => TClient;
  /** Prisma field holding the tenant id in tenant-scoped models. */
  tenantField: string;
  /** The PostgreSQL setting carrying the tenant id (the `rls.setting` option), set by every strategy. */
  tenantSetting: string;
  /** Prisma models shared by all tenants. */
  sharedModels: ReadonlySet<string>;
  /** Settings of the pg pools on `databaseUrl`. */
  pool: Omit<PoolConfig, 'connectionString'>;
  /** Per-tenant cap and wait deadline on a pool all tenants share; undefined fields are off. */
  sharedPool: { tenantMax?: number; waitMs?: number };
  /** Sizes of the per-tenant client pools. */
  clientPool: { max: number; idleTtlMs: number };
  /** Every strategy the app enabled, this one included. */
  strategies: ReadonlySet<TenancyStrategyName>;
  /** The active tenant, per request or job: `TenantContext`, as far as strategies read it. */
  context: { current(): Readonly<Tenant> | undefined };
}
