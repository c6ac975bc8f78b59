import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { TenantContext } from '../context/tenant-context.service';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { TenantInactiveError } from '../errors/tenant-inactive.error';
import { TenantNotFoundError } from '../errors/tenant-not-found.error';
import { TenantStore } from '../store/tenant-store.interface';
import { TENANT_STATUSES, type Tenant } from '../store/tenant.interface';
import type {
  ForEachTenantOptions,
  TenantRunReport,
  TenantRunResult,
  TenantRunSkipReason,
} from './tenant-run-report.interface';

/**
 * Runs work for every tenant: cron jobs, maintenance, reports. Inject it
 * where `TenantContext` is available.
 */
@Injectable()
export class TenantRunner {
  constructor(
    private readonly context: TenantContext,
    @Inject(TenantStore) private readonly store: TenantStore,
  ) {}

  /**
   * Lists the tenants from the configured store (active ones by default) and
   * runs `fn` inside each tenant's context (`TenantContext.run`: the tenant
   * is looked up and must still be active), at most `concurrency` at once.
   * One tenant's failure is caught and reported; the others run on. Resolves
   * with a line per listed tenant, in listing order, and totals; rejects
   * only when the options are invalid or the store cannot list.
   *
   * @param fn Called with the tenant's record as listed; `TenantPrisma`,
   *   repositories and `TenantContext` act as that tenant inside it.
   * @throws TenancyConfigError (field `concurrency` or `statuses`) for invalid
   *   options, (field `store`) when the store has no `list()`.
   */
  async forEachTenant<R, T extends Tenant = Tenant>(
    fn: (tenant: Readonly<T>) => R | Promise<R>,
    options: ForEachTenantOptions<T> = {},
  ): Promise<TenantRunReport<Awaited<R>>> {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new TenancyConfigError('concurrency', `must be a positive integer, got ${concurrency}`);
    const statuses = options.statuses ?? (['active'] as const);
    if (!Array.isArray(statuses) || statuses.some((status) => !TENANT_STATUSES.includes(status)))
      throw new TenancyConfigError('statuses', `expected a list of ${TENANT_STATUSES.join(', ')}`);
    if (typeof this.store.list !== 'function')
      throw new TenancyConfigError(
        'store',
        "TenantRunner.forEachTenant() lists tenants with the store's list(): add list(options) to your TenantStore (InMemoryTenantStore and PrismaTenantStore have it)",
      );

    const started = performance.now();
    // Filtered here too: a store of the app's own may not honour the filter.
    const listed = ((await this.store.list({ status: statuses })) as Readonly<T>[]).filter((tenant) =>
      statuses.includes(tenant.status),
    );
    const lines: TenantRunResult<Awaited<R>>[] = new Array(listed.length);
    let next = 0;
    // A fixed set of workers pulling the next tenant: a slow tenant holds one slot, not a batch.
    const worker = async (): Promise<void> => {
      while (next < listed.length) {
        const index = next++;
        lines[index] = await this.runOne(listed[index], fn, options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, listed.length) }, worker));

    const count = (status: TenantRunResult<unknown>['status']) => lines.filter((line) => line.status === status).length;
    return {
      tenants: lines,
      totals: {
        tenants: lines.length,
        ok: count('ok'),
        failed: count('failed'),
        skipped: count('skipped'),
        durationMs: performance.now() - started,
      },
      aborted: lines.some((line) => line.status === 'skipped' && line.reason === 'aborted'),
    };
  }

  private async runOne<R, T extends Tenant>(
    tenant: Readonly<T>,
    fn: (tenant: Readonly<T>) => R | Promise<R>,
    options: ForEachTenantOptions<T>,
  ): Promise<TenantRunResult<Awaited<R>>> {
    const tenantId = tenant.id;
    const skipped = (reason: TenantRunSkipReason) => ({
      tenantId,
      status: 'skipped' as const,
      durationMs: 0 as const,
      reason,
    });
    if (options.signal?.aborted) return skipped('aborted');
    const started = performance.now();
    let entered = false;
    try {
      if (options.filter && !options.filter(tenant)) return skipped('filtered');
      if (tenant.status !== 'active') return skipped('inactive');
      const value = await this.context.run(tenantId, () => {
        entered = true;
        return fn(tenant);
      });
      return { tenantId, status: 'ok', durationMs: performance.now() - started, value: value as Awaited<R> };
    } catch (caught) {
      // Refused at the door (changed since it was listed): not a failure of the work.
      if (!entered && caught instanceof TenantInactiveError) return skipped('inactive');
      if (!entered && caught instanceof TenantNotFoundError) return skipped('not-found');
      const error = caught instanceof Error ? caught : new Error(String(caught));
      return { tenantId, status: 'failed', durationMs: performance.now() - started, error };
    }
  }
}
