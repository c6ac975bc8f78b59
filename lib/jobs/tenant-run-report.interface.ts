import type { Tenant, TenantStatus } from '../store/tenant.interface';

/** Options of `TenantRunner.forEachTenant`. */
export interface ForEachTenantOptions<T extends Tenant = Tenant> {
  /** How many tenants run at once (a positive integer). Default: `4`. */
  concurrency?: number;
  /**
   * Which tenants to list, by status. Only active tenants can be entered:
   * listed tenants of other statuses are reported as skipped (`inactive`),
   * so a report can account for every tenant. Default: `['active']`.
   */
  statuses?: readonly TenantStatus[];
  /**
   * Once aborted, no further tenant starts: the rest are reported as skipped
   * (`aborted`) and `aborted` is set on the report. Tenants already running
   * finish (pass the same signal into your work to stop them). Default: none.
   */
  signal?: AbortSignal;
  /** Runs only the tenants it returns `true` for; the others are skipped (`filtered`). Default: every tenant. */
  filter?: (tenant: Readonly<T>) => boolean;
}

/**
 * Why a tenant did not run: the filter left it out, it is not active (at
 * listing, or by the time its turn came), it no longer exists, or the run was
 * aborted before its turn.
 */
export type TenantRunSkipReason = 'filtered' | 'inactive' | 'not-found' | 'aborted';

/** One tenant's line of a `forEachTenant` report. */
export type TenantRunResult<R> =
  | { tenantId: string; status: 'ok'; durationMs: number; value: R }
  | { tenantId: string; status: 'failed'; durationMs: number; error: Error }
  | { tenantId: string; status: 'skipped'; durationMs: 0; reason: TenantRunSkipReason };

/** What `forEachTenant` did, tenant by tenant, in the order the store listed them. */
export interface TenantRunReport<R> {
  tenants: TenantRunResult<R>[];
  totals: {
    tenants: number;
    ok: number;
    failed: number;
    skipped: number;
    /** Wall time of the whole run, listing included. */
    durationMs: number;
  };
  /** Whether the signal stopped the run before every tenant had its turn. */
  aborted: boolean;
}
