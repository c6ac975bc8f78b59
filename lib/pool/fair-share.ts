import type { Pool, PoolClient } from 'pg';
import { TenantUnavailableError } from '../errors/tenant-unavailable.error';
import { type ShareRelease, TenantConnectionShares, TenantShareExhausted } from './tenant-connection-shares';

/** Fair share of one pg pool among the tenants drawing from it (the `sharedPool` option, resolved). */
export interface FairShareSettings {
  /** Most connections of the pool one tenant holds at once. Undefined: no cap. */
  tenantMax?: number;
  /** Most ms a checkout waits (for the tenant's share, then for the pool) before the 503. Undefined: no deadline. */
  waitMs?: number;
}

/** Whether any fairness is asked for: without it the pools stay exactly as they were. */
export function fairShareEnabled(settings: FairShareSettings | undefined): settings is FairShareSettings {
  return settings !== undefined && (settings.tenantMax !== undefined || settings.waitMs !== undefined);
}

// What a request without a tenant (shared models) is called in its 503.
const NO_TENANT = '(shared)';

/**
 * Checkouts of a pool that several tenants share (the RLS pool, the schema
 * strategy's pool): each tenant holds at most `tenantMax` connections (its
 * next checkout waits for one of its own, so one tenant's slow queries can
 * never take them all), and no checkout waits longer than `waitMs`: past it,
 * `TenantUnavailableError` (503), as the database strategy's budget answers.
 * Requests without a tenant (shared models) get the deadline, not the cap.
 */
export class FairShare {
  private readonly shares?: TenantConnectionShares;

  constructor(
    private readonly pool: Pool,
    private readonly settings: FairShareSettings,
  ) {
    if (settings.tenantMax !== undefined) this.shares = new TenantConnectionShares(settings.tenantMax);
  }

  /** True when a checkout now would wait for nothing: an idle connection is ready, or there is no deadline to keep. */
  ready(): boolean {
    return this.settings.waitMs === undefined || this.pool.idleCount > this.pool.waitingCount;
  }

  /** The tenant's slot now (undefined without a cap or a tenant); `false` when the tenant is at its cap. */
  takeShare(tenantId: string | null): ShareRelease | undefined | false {
    if (!this.shares || tenantId === null) return undefined;
    return this.shares.take(tenantId) ?? false;
  }

  /** A connection from `connect` (the pool's own checkout) within the tenant's share and the deadline; its release frees the share. */
  async checkout(tenantId: string | null, connect: () => Promise<PoolClient>): Promise<PoolClient> {
    const started = Date.now();
    let share = this.takeShare(tenantId);
    if (share === false) {
      const { waitMs } = this.settings;
      try {
        // No deadline: a tenant at its cap waits for its own connections, as long as they take.
        share = await this.shares!.wait(tenantId!, waitMs ?? 2 ** 31 - 1);
      } catch (error) {
        throw this.unavailable(tenantId, error);
      }
    }
    try {
      const client = await this.connectWithin(tenantId, connect, started);
      return share ? releasing(client, share) : client;
    } catch (error) {
      share?.();
      throw error;
    }
  }

  /** Fails the tenants waiting for their share, for shutdown. */
  close(): void {
    this.shares?.close(new Error('nestjs-prisma-tenancy: the pool is shutting down'));
  }

  private connectWithin(
    tenantId: string | null,
    connect: () => Promise<PoolClient>,
    started: number,
  ): Promise<PoolClient> {
    if (this.ready()) return connect();
    const left = Math.max(0, this.settings.waitMs! - (Date.now() - started));
    const pending = connect();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(this.unavailable(tenantId));
      }, left);
    });
    // pg's queue has no way to withdraw a request: a connection granted after the deadline goes straight back.
    pending.then(
      (client) => timedOut && client.release(),
      () => undefined,
    );
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }

  private unavailable(tenantId: string | null, cause?: unknown): unknown {
    if (cause !== undefined && !(cause instanceof TenantShareExhausted)) return cause;
    const reason =
      cause instanceof TenantShareExhausted
        ? `its share of the shared pool (${cause.tenantMax} connections) stayed busy for ${cause.waitedMs} ms; retry shortly`
        : `all connections of the shared pool stayed busy for ${this.settings.waitMs} ms; retry shortly`;
    const error = new TenantUnavailableError(tenantId ?? NO_TENANT, reason);
    if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true });
    return error;
  }
}

/** The same connection, whose release (once per checkout: pg sets it anew each time) also frees the tenant's share. */
function releasing(client: PoolClient, share: ShareRelease): PoolClient {
  const release = client.release;
  client.release = (error?: Error | boolean) => {
    share();
    return release.call(client, error);
  };
  return client;
}
