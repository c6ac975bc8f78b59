import { Inject, Injectable } from '@nestjs/common';
import { TENANCY_STRATEGY_NAMES } from '../strategies/strategy.registry';
import type { TenancyStrategyRouter } from '../strategies/tenancy-strategy.router';
import type { TenancyStrategyName } from '../store/tenant.interface';
import { TENANCY_STRATEGY } from '../tenancy.internal-constants';
import type { TenantPoolEvent, TenantPoolEventPayload, TenantPoolStats } from './pooled-client.interface';
import type { TenantClientPool } from './tenant-client.pool';

/**
 * Observes and steers the per-tenant client pools of the enabled strategies
 * that have one (`TenancyStrategy.clientPool`: schema and database; the RLS
 * strategy has one client for all tenants and no pool).
 */
@Injectable()
export class TenantPoolService {
  constructor(@Inject(TENANCY_STRATEGY) private readonly router: TenancyStrategyRouter<unknown>) {}

  /** Counters per pooled strategy, for example `{ schema: { size, hits, ... } }`. */
  stats(): Partial<Record<TenancyStrategyName, TenantPoolStats>> {
    const stats: Partial<Record<TenancyStrategyName, TenantPoolStats>> = {};
    for (const [name, pool] of this.pools()) stats[name] = pool.stats();
    return stats;
  }

  /**
   * Drops the tenant's client in every pool (for example after its database
   * URL or schema changed). Resolves when in-flight work finished and the old
   * client is disposed; the next request builds a new one.
   */
  async invalidate(tenantId: string): Promise<void> {
    await Promise.all([...this.pools()].map(([, pool]) => pool.invalidate(tenantId)));
  }

  /** Listens to `created`, `evicted` or `disposed` in every pool; returns a function that stops listening. */
  on(
    event: TenantPoolEvent,
    listener: (payload: TenantPoolEventPayload & { strategy: TenancyStrategyName }) => void,
  ): () => void {
    const detach: Array<() => void> = [];
    for (const [name, pool] of this.pools()) {
      const handler = (payload: TenantPoolEventPayload) => listener({ ...payload, strategy: name });
      pool.on(event, handler);
      detach.push(() => pool.off(event, handler));
    }
    return () => detach.forEach((off) => off());
  }

  private *pools(): Iterable<[TenancyStrategyName, TenantClientPool<unknown>]> {
    for (const name of TENANCY_STRATEGY_NAMES) {
      const strategy = this.router.get(name);
      if (strategy?.clientPool) yield [name, strategy.clientPool()];
    }
  }
}
