import { Pool, type PoolClient, type PoolConfig, type QueryConfig } from 'pg';
import { TenantMisconfiguredError } from '../../errors/tenant-misconfigured.error';
import { TenantUnavailableError } from '../../errors/tenant-unavailable.error';
import { budgetedClientClass, type HeldConnections } from './budgeted-client';
import { TenantShareExhausted } from '../../pool/tenant-connection-shares';
import { ConnectionBudgetExhausted, type ConnectionBudget } from './connection-budget';
import { isConnectionFailure } from './connection-failure';
import { PoolConnections, YIELDED } from './pool-connections';

/** Settings of one tenant's pool. */
export interface TenantDatabasePoolSettings {
  tenantId: string;
  connectionString: string;
  poolSize: number;
  connectTimeoutMs: number;
  budgetWaitMs: number;
  budget: ConnectionBudget;
  /** Pools with connections that may be open, so shutdown can end them all. */
  open: Set<TenantDatabasePool>;
  /** True once the strategy is disposed: no pool may open after that. */
  shutDown(): boolean;
  /** Frees budget slots for waiting connections (the strategy's reclaim). */
  reclaim(): void;
  /** Reports a failure to an operator (logs); `detail` may name hosts, so it never reaches a client. */
  report(detail: string): void;
}

class PoolWaitTimeout extends Error {}

// The server answered and refused the login: wrong password or user
// (28P01, 28000), no such database (3D000), no CONNECT privilege (42501).
// Retrying will not help, so these are the record's fault, not an outage.
const LOGIN_REFUSED = new Set(['28P01', '28000', '3D000', '42501']);

/**
 * One tenant's own database pool, behind the `pg.Pool` shape Prisma's
 * adapter and `TenantViewPool` expect. The real pg pool is opened on the
 * first checkout, so a client that is built but never used connects nowhere,
 * and reopened if a request still holding an evicted client uses it (it then
 * lives until shutdown or its connections idle out). Every way of not getting
 * a connection (server down, dial timeout, budget full, pool queue too long),
 * and every connection lost under a statement, becomes `TenantUnavailableError`
 * (503); a login the server refuses (credentials, no such database) becomes
 * `TenantMisconfiguredError` (500), since retrying cannot help. Neither has
 * a `code`, so Prisma hands them to the caller as they are.
 */
export class TenantDatabasePool extends Pool {
  private inner?: { pool: Pool; connections: PoolConnections };
  private readonly held: HeldConnections = { count: 0 };
  private reclaimScheduled = false;
  private lastReport = 0;
  private readonly clientClass: ReturnType<typeof budgetedClientClass>;

  constructor(private readonly settings: TenantDatabasePoolSettings) {
    super({ max: 1 });
    // The claim caps the tenant at poolSize across this pool and those of its evicted, still draining clients.
    // Deferred: a dial may start inside a pg release, where no idle connection may be closed.
    const claim = {
      tenantId: settings.tenantId,
      max: settings.poolSize,
      queued: () => void setImmediate(() => this.yieldTenantIdle()),
    };
    this.clientClass = budgetedClientClass(
      settings.budget,
      settings.connectTimeoutMs,
      this.held,
      (error) => this.lost(error),
      claim,
    );
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('TenantDatabasePool.connect does not take callbacks');
    return this.checkout().catch((error: unknown) => {
      throw this.refused(error) ?? this.unavailable(error);
    });
  }

  override query(...args: any[]): any {
    if (args.some((a) => typeof a === 'function'))
      throw new TypeError('TenantDatabasePool.query does not take callbacks');
    return this.run(args[0] as string | QueryConfig, args[1] as unknown[] | undefined);
  }

  /** Ends the pg pool once its connections are released; the next checkout would open a new one. */
  override end(...args: any[]): any {
    if (typeof args[0] === 'function') throw new TypeError('TenantDatabasePool.end does not take callbacks');
    const inner = this.inner;
    this.inner = undefined;
    if (!inner) return Promise.resolve();
    // pg-pool's end() resolves before the sockets close; the budget slots are free only after.
    return inner.pool
      .end()
      .then(() => inner.connections.whenClosed())
      .finally(() => {
        if (!this.inner) this.settings.open.delete(this);
      });
  }

  /**
   * The inner pg pool when an idle connection is ready (no wait to bound, no
   * dial), for `TenantViewPool` to run plain reads on directly, as plain
   * Prisma runs them on its pool: pg-pool's `query`, which also drops a
   * connection whose statement failed. Undefined otherwise: go through `query`.
   */
  readyPool(): Pool | undefined {
    const pool = this.inner?.pool;
    return pool && pool.idleCount > pool.waitingCount ? pool : undefined;
  }

  /** What a read that failed on `readyPool()` throws: this pool's mapping of lost connections and refused logins. */
  statementError(error: unknown): unknown {
    // pg-pool dials after all if the idle connection went away in between: the budget may be full then.
    if (error instanceof ConnectionBudgetExhausted || error instanceof TenantShareExhausted)
      return this.unavailable(error);
    return this.refused(error) ?? this.lost(error);
  }

  /** `TenantUnavailableError` for a lost connection; a statement's own error as it is. */
  private lost(error: unknown): unknown {
    return isConnectionFailure(error) ? this.unavailable(error, 'its database connection was lost') : error;
  }

  /** Physical connections of this tenant (open or dialling), each holding a budget slot. */
  connections(): number {
    return this.held.count;
  }

  /** Closes one idle connection to give its budget slot to a waiting one; false when none is idle. */
  closeIdleConnection(): boolean {
    return this.inner?.connections.closeIdle() ?? false;
  }

  /** Connections asked to close (by `closeIdleConnection`) whose slots are not free yet. */
  closingConnections(): number {
    return this.inner?.connections.closing() ?? 0;
  }

  // The hot path of reads: promise callbacks rather than an async function, one hop fewer.
  private run(config: string | QueryConfig, values?: unknown[]) {
    return (this.connect() as Promise<PoolClient>).then((client) =>
      client.query(config as QueryConfig, values).then(
        (result) => {
          client.release();
          return result;
        },
        (error: unknown) => {
          // A statement error leaves the connection usable; a lost one (mapped by the client class) must not go back.
          client.release(error instanceof TenantUnavailableError ? error : undefined);
          throw error;
        },
      ),
    );
  }

  private checkout(): Promise<PoolClient> {
    const { budgetWaitMs, connectTimeoutMs } = this.settings;
    let pending: Promise<PoolClient>;
    let idleAvailable: boolean;
    try {
      const pool = this.pool();
      // More idle connections than requests queued before this one: pg hands one out on its
      // next pulse, so there is no wait to bound and no timer to arm (the hot path).
      idleAvailable = pool.idleCount > pool.waitingCount;
      pending = pool.connect();
    } catch (error) {
      return Promise.reject(error);
    }
    if (idleAvailable) return pending;
    // pg's queue for a full pool has no deadline without its
    // connectionTimeoutMillis, which cannot be set (see BudgetedClient). A
    // second past the longest budget wait plus dial, so a failing dial reports itself.
    const waitMs = budgetWaitMs + connectTimeoutMs + 1_000;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new PoolWaitTimeout(`no connection of its pool came free within ${waitMs} ms`));
      }, waitMs);
    });
    pending.then(
      (client) => timedOut && client.release(),
      () => undefined,
    );
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }

  private pool(): Pool {
    if (this.inner) return this.inner.pool;
    if (this.settings.shutDown())
      throw new TenantUnavailableError(this.settings.tenantId, 'the application is shutting down');
    const { connectionString, poolSize, tenantId } = this.settings;
    const pool = new Pool({ connectionString, max: poolSize, pipeline: true, Client: this.clientClass } as PoolConfig);
    // An idle connection dropped by the server must not crash the process; pg removes it.
    pool.on('error', (error) => {
      if (!(error as { [YIELDED]?: boolean })[YIELDED])
        this.settings.report(`tenant "${tenantId}": idle database connection failed: ${error.message}`);
    });
    // A connection going idle while others wait for the budget may be theirs.
    this.inner = { pool, connections: new PoolConnections(pool, () => this.reclaimSoon()) };
    this.settings.open.add(this);
    return pool;
  }

  private reclaimSoon(): void {
    const { budget, tenantId } = this.settings;
    if (this.reclaimScheduled || (budget.waiting() === 0 && budget.tenantWaiting(tenantId) === 0)) return;
    this.reclaimScheduled = true;
    // Once pg has finished the release (it may hand the connection to this tenant's own queue).
    setImmediate(() => {
      this.reclaimScheduled = false;
      this.settings.reclaim();
      this.yieldTenantIdle();
    });
  }

  /**
   * Closes idle connections of this tenant's pools (an evicted client's pool
   * still draining, or this one) while the tenant has connections waiting for
   * one of its own: the tenant is at its pool size, and an idle connection
   * there is the only slot its new pool can get.
   */
  private yieldTenantIdle(): void {
    const { budget, tenantId, open } = this.settings;
    const mine = [...open].filter((pool) => pool.settings.tenantId === tenantId);
    const closing = () => mine.reduce((sum, pool) => sum + pool.closingConnections(), 0);
    for (const pool of mine) {
      while (budget.tenantWaiting(tenantId) > closing()) {
        if (!pool.closeIdleConnection()) break;
      }
    }
  }

  /** `TenantMisconfiguredError` (500) when the server refused the tenant's login; the server's reason is in the message, for operators. */
  private refused(error: unknown): TenantMisconfiguredError | undefined {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code !== 'string' || !LOGIN_REFUSED.has(code)) return undefined;
    const refused = new TenantMisconfiguredError(
      this.settings.tenantId,
      `its database refused the connection (${code}: ${String(message)})`,
    );
    Object.defineProperty(refused, 'cause', { value: error, configurable: true });
    this.reportOnce(refused.message);
    return refused;
  }

  private reportOnce(detail: string): void {
    // Once per 10 s per tenant: a failing database under load would flood the log.
    if (Date.now() - this.lastReport > 10_000) {
      this.lastReport = Date.now();
      this.settings.report(detail);
    }
  }

  private unavailable(error: unknown, reason = 'its database cannot be reached'): TenantUnavailableError {
    if (error instanceof TenantUnavailableError) return error;
    const { tenantId, budget } = this.settings;
    if (error instanceof ConnectionBudgetExhausted)
      reason = `all ${budget.capacity} database connections are in use; retry shortly`;
    else if (error instanceof PoolWaitTimeout || error instanceof TenantShareExhausted)
      reason = 'its database connections are all busy; retry shortly';
    const mapped = new TenantUnavailableError(tenantId, reason);
    Object.defineProperty(mapped, 'cause', { value: error, configurable: true });
    this.reportOnce(`tenant "${tenantId}" unavailable: ${(error as Error)?.message ?? String(error)}`);
    return mapped;
  }
}
