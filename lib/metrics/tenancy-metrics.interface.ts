import type { TenantPoolStats } from '../pool/pooled-client.interface';
import type { SharedPoolStats } from '../pool/shared-pool.stats';
import type { TenantCacheStats } from '../store/tenant-cache.stats';
import type { TenancyStrategyName } from '../store/tenant.interface';

export type { SharedPoolStats } from '../pool/shared-pool.stats';
export type { TenantCacheStats } from '../store/tenant-cache.stats';

/** The database strategy's connection budget (`database.connectionBudget`), across every tenant's pool. */
export interface ConnectionBudgetStats {
  /** Connections to tenant databases open or opening now. */
  used: number;
  /** `database.connectionBudget`. */
  limit: number;
  /** Connections waiting for a slot now (each gives up after `database.budgetWaitMs` with a 503). */
  waiting: number;
  /** Most slots ever held at once since boot. */
  peak: number;
}

/** What one enabled strategy holds. */
export interface StrategyMetrics {
  /** The pg pool on `databaseUrl`: all tenants' connections (rls, schema), or the shared models' (database). */
  sharedPool?: SharedPoolStats;
  /** Per-tenant Prisma clients (schema, database): `size` live of `max`, totals since boot, `inFlight` now. */
  clients?: TenantPoolStats;
  /** Database strategy: connections to tenant databases. */
  budget?: ConnectionBudgetStats;
}

/**
 * One reading of every counter the package keeps, as plain JSON: numbers
 * only, no tenant ids, so it can go to Prometheus, a log line or an HTTP body.
 */
export interface TenancyMetricsSnapshot {
  /** Per enabled strategy (`strategies` option). */
  strategies: Partial<Record<TenancyStrategyName, StrategyMetrics>>;
  /** The tenant lookup cache. */
  cache: TenantCacheStats;
}
