import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import type { TenantPoolStats } from '../pool/pooled-client.interface';
import type { SharedPoolStats } from '../pool/shared-pool.stats';
import { TenantCache } from '../store/tenant-cache.service';
import type { TenancyStrategyRouter } from '../strategies/tenancy-strategy.router';
import { TENANCY_RESOLVED_OPTIONS, TENANCY_STRATEGY } from '../tenancy.internal-constants';
import type { ConnectionBudgetStats, StrategyMetrics, TenancyMetricsSnapshot } from './tenancy-metrics.interface';

// What a strategy may expose, each read-only; strategies without one simply lack it.
interface ObservableStrategy {
  sharedPoolStats?(): SharedPoolStats | undefined;
  clientPool?(): { stats(): TenantPoolStats };
  connectionBudget?(): { capacity: number; inUse(): number; waiting(): number; peak(): number };
}

/**
 * Pool, cache and budget counters in one snapshot, for an exporter
 * (Prometheus, OpenTelemetry metrics, a log line): see docs/observability.md.
 * Reading costs a few small objects and nothing on the request path.
 */
@Injectable()
export class TenancyMetrics {
  constructor(
    @Inject(TENANCY_STRATEGY) private readonly router: TenancyStrategyRouter<unknown>,
    @Inject(TENANCY_RESOLVED_OPTIONS) private readonly options: ResolvedTenancyOptions,
    private readonly cache: TenantCache,
  ) {}

  /** Every counter now, per enabled strategy, plus the tenant cache's. */
  snapshot(): TenancyMetricsSnapshot {
    const strategies: TenancyMetricsSnapshot['strategies'] = {};
    for (const name of this.options.strategies) {
      const strategy = this.router.get(name) as ObservableStrategy | undefined;
      if (strategy) strategies[name] = strategyMetrics(strategy);
    }
    return { strategies, cache: this.cache.stats() };
  }
}

function strategyMetrics(strategy: ObservableStrategy): StrategyMetrics {
  const shared = strategy.sharedPoolStats?.();
  // No shared pool: not initialised yet, or shut down (a scrape during app.close()).
  if (!shared) return {};
  const metrics: StrategyMetrics = { sharedPool: shared };
  if (strategy.clientPool) metrics.clients = strategy.clientPool().stats();
  if (strategy.connectionBudget) metrics.budget = budgetStats(strategy.connectionBudget());
  return metrics;
}

function budgetStats(budget: ReturnType<NonNullable<ObservableStrategy['connectionBudget']>>): ConnectionBudgetStats {
  return { used: budget.inUse(), limit: budget.capacity, waiting: budget.waiting(), peak: budget.peak() };
}
