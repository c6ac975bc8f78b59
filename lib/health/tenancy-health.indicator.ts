import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { TenantContext } from '../context/tenant-context.service';
import { TenancyMetrics } from '../metrics/tenancy-metrics.service';
import type { StrategyMetrics } from '../metrics/tenancy-metrics.interface';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { TenantPrisma } from '../prisma/tenant-prisma.service';
import type { RegistryInvalidationListener } from '../registry/registry-invalidation.listener';
import type { TenancyStrategyName } from '../store/tenant.interface';
import { TENANCY_REGISTRY_LISTENER, TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';
import { describeFailure, withinTimeout } from './health-failure';
import { pingSharedDatabase } from './shared-database.ping';
import type {
  DatabaseCheckOptions,
  PoolCheckOptions,
  RegistryListenerCheckOptions,
  TenantCheckOptions,
} from './tenancy-health.options';

const DEFAULT_TIMEOUT_MS = 2_000;

type RawClient = { $queryRawUnsafe(sql: string): Promise<unknown> };

/**
 * Health checks of the package for `@nestjs/terminus` (11 or 12): the shared
 * database answers, the registry listener is connected, no pool is
 * saturated, and one tenant can be served. None needs a tenant in context;
 * each returns terminus' `{ [key]: { status: 'up' | 'down', ... } }` with
 * details free of secrets (no connection strings, no passwords).
 *
 * ```ts
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [TenancyHealthIndicator] })
 * ```
 */
@Injectable()
export class TenancyHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly metrics: TenancyMetrics,
    private readonly context: TenantContext,
    private readonly prisma: TenantPrisma<unknown>,
    @Inject(TENANCY_RESOLVED_OPTIONS) private readonly options: ResolvedTenancyOptions,
    @Inject(TENANCY_REGISTRY_LISTENER) private readonly listener: RegistryInvalidationListener | undefined,
  ) {}

  /**
   * The shared database (`databaseUrl`) answers a `SELECT 1`, on a short
   * connection of its own as the app's role: it needs no tenant and does not
   * queue behind a busy pool (see `checkPool` for that).
   */
  async checkDatabase(options: DatabaseCheckOptions = {}): Promise<HealthIndicatorResult> {
    const session = this.health.check(options.key ?? 'tenancy_database');
    const started = Date.now();
    try {
      await pingSharedDatabase(this.options, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      return session.up({ strategy: this.options.strategy, responseTimeMs: Date.now() - started });
    } catch (error) {
      return session.down({ strategy: this.options.strategy, ...describeFailure(error) });
    }
  }

  /**
   * The registry listener (`registryListener` option) is listening now. Up
   * with `configured: false` when the app has none. While it reconnects,
   * changes other instances make reach this one only after `cache.ttlMs`.
   */
  async checkRegistryListener(options: RegistryListenerCheckOptions = {}): Promise<HealthIndicatorResult> {
    const session = this.health.check(options.key ?? 'tenancy_registry_listener');
    if (!this.listener) return session.up({ configured: false });
    return this.listener.listening
      ? session.up({ configured: true, listening: true })
      : session.down({ configured: true, listening: false, message: 'reconnecting to the registry database' });
  }

  /**
   * No pool is saturated: at most `maxWaiting` checkouts wait for a connection
   * of a shared pool, or for a slot of the database strategy's budget. The
   * details are `TenancyMetrics.snapshot()`'s, per strategy.
   */
  async checkPool(options: PoolCheckOptions = {}): Promise<HealthIndicatorResult> {
    const session = this.health.check(options.key ?? 'tenancy_pool');
    const { strategies } = this.metrics.snapshot();
    const maxWaiting = options.maxWaiting ?? 0;
    const reasons = Object.entries(strategies).flatMap(([name, metrics]) =>
      saturation(name as TenancyStrategyName, metrics, maxWaiting),
    );
    return reasons.length ? session.down({ ...strategies, reasons }) : session.up({ ...strategies });
  }

  /**
   * One tenant can be served: `SELECT 1` as that tenant, through its own
   * client (database strategy: its database, connection budget and ownership
   * marker). Down with the package's error code: `TENANT_UNAVAILABLE` for an
   * unreachable database or a full budget, `TENANT_MISCONFIGURED` for a
   * refused login or a missing database, `TENANT_NOT_FOUND`,
   * `TENANT_INACTIVE`, `TENANT_ID_INVALID` (the id is then not echoed), or
   * `TIMEOUT`.
   */
  async checkTenant(tenantId: string, options: TenantCheckOptions = {}): Promise<HealthIndicatorResult> {
    const valid = this.options.tenantIdPattern.test(tenantId);
    const session = this.health.check(options.key ?? (valid ? `tenancy_tenant_${tenantId}` : 'tenancy_tenant'));
    const echo = valid ? { tenantId } : {};
    const started = Date.now();
    let strategy: TenancyStrategyName | undefined;
    try {
      const select = this.context.run(tenantId, () => {
        strategy = this.context.tenant.strategy ?? this.options.strategy;
        return (this.prisma.client as RawClient).$queryRawUnsafe('SELECT 1');
      });
      await withinTimeout(select, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      return session.up({ ...echo, strategy, responseTimeMs: Date.now() - started });
    } catch (error) {
      return session.down({ ...echo, ...(strategy ? { strategy } : {}), ...describeFailure(error) });
    }
  }
}

function saturation(name: TenancyStrategyName, metrics: StrategyMetrics, maxWaiting: number): string[] {
  const reasons: string[] = [];
  const { sharedPool, budget } = metrics;
  if (sharedPool && sharedPool.waiting > maxWaiting)
    reasons.push(
      `${name}: ${sharedPool.waiting} waiting for a connection of the shared pool (${sharedPool.total - sharedPool.idle} of ${sharedPool.max} busy)`,
    );
  if (budget && budget.waiting > maxWaiting)
    reasons.push(
      `${name}: ${budget.waiting} waiting for a slot of the connection budget (${budget.used} of ${budget.limit} in use)`,
    );
  return reasons;
}
