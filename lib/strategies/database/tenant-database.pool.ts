import { Pool, type PoolClient, type PoolConfig, type QueryConfig } from 'pg';
import { TenantUnavailableError } from '../../errors/tenant-unavailable.error';
import { budgetedClientClass, type HeldConnections } from './budgeted-client';
import { ConnectionBudgetExhausted, type ConnectionBudget } from './connection-budget';
import { connectionFailureScope, isConnectionFailure } from './connection-failure';

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
  /** Reports a failure to an operator (logs); `detail` may name hosts, so it never reaches a client. */
  report(detail: string): void;
}

class PoolWaitTimeout extends Error {}

/**
 * One tenant's own database pool, behind the `pg.Pool` shape Prisma's
 * adapter and `TenantViewPool` expect. The real pg pool is opened on the
 * first checkout, so a client that is built but never used connects nowhere,
 * and reopened if a request still holding an evicted client uses it (it then
 * lives until shutdown or its connections idle out). Every way of not getting
 * a connection (server down, dial timeout, budget full, pool queue too long)
 * becomes `TenantUnavailableError`.
 */
export class TenantDatabasePool extends Pool {
  private inner?: Pool;
  private readonly held: HeldConnections = { count: 0 };
  private lastReport = 0;
  private readonly clientClass: ReturnType<typeof budgetedClientClass>;

  constructor(private readonly settings: TenantDatabasePoolSettings) {
    super({ max: 1 });
    this.clientClass = budgetedClientClass(settings.budget, settings.connectTimeoutMs, this.held);
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('TenantDatabasePool.connect does not take callbacks');
    // Read now: pg may call back from another request's async context.
    const failure = connectionFailureScope.getStore();
    return this.checkout().catch((error: unknown) => {
      const mapped = this.unavailable(error);
      if (failure) failure.error ??= mapped;
      throw mapped;
    });
  }

  override query(...args: any[]): any {
    if (args.some((a) => typeof a === 'function')) throw new TypeError('TenantDatabasePool.query does not take callbacks');
    return this.run(args[0] as string | QueryConfig, args[1] as unknown[] | undefined);
  }

  /** Ends the pg pool once its connections are released; the next checkout would open a new one. */
  override end(...args: any[]): any {
    if (typeof args[0] === 'function') throw new TypeError('TenantDatabasePool.end does not take callbacks');
    const pool = this.inner;
    this.inner = undefined;
    if (!pool) return Promise.resolve();
    return pool.end().finally(() => {
      if (!this.inner) this.settings.open.delete(this);
    });
  }

  /** Physical connections of this tenant (open or dialling), each holding a budget slot. */
  connections(): number {
    return this.held.count;
  }

  private async run(config: string | QueryConfig, values?: unknown[]) {
    const client: PoolClient = await this.connect();
    let broken: Error | undefined;
    try {
      return await client.query(config as QueryConfig, values);
    } catch (error) {
      // A statement error leaves the connection usable; a lost connection must not go back.
      if (isConnectionFailure(error)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private checkout(): Promise<PoolClient> {
    const { budgetWaitMs, connectTimeoutMs } = this.settings;
    const pending = this.pool().connect();
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
    pending.then((client) => timedOut && client.release(), () => undefined);
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }

  private pool(): Pool {
    if (this.inner) return this.inner;
    const { connectionString, poolSize, tenantId } = this.settings;
    const pool = new Pool({ connectionString, max: poolSize, pipeline: true, Client: this.clientClass } as PoolConfig);
    // An idle connection dropped by the server must not crash the process; pg removes it.
    pool.on('error', (error) => this.settings.report(`tenant "${tenantId}": idle database connection failed: ${error.message}`));
    this.inner = pool;
    this.settings.open.add(this);
    return pool;
  }

  private unavailable(error: unknown): TenantUnavailableError {
    if (error instanceof TenantUnavailableError) return error;
    const { tenantId, budget } = this.settings;
    let reason = 'its database cannot be reached';
    if (error instanceof ConnectionBudgetExhausted) reason = `all ${budget.capacity} database connections are in use; retry shortly`;
    else if (error instanceof PoolWaitTimeout) reason = 'its database connections are all busy; retry shortly';
    const mapped = new TenantUnavailableError(tenantId, reason);
    Object.defineProperty(mapped, 'cause', { value: error, configurable: true });
    // Once per 10 s per tenant: a down database under load would flood the log.
    if (Date.now() - this.lastReport > 10_000) {
      this.lastReport = Date.now();
      this.settings.report(`tenant "${tenantId}" unavailable: ${(error as Error)?.message ?? String(error)}`);
    }
    return mapped;
  }
}
