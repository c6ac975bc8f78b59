import { Pool, type PoolClient, type QueryConfig } from 'pg';
import { queryWithLocalSettings, type QueryArg, withSettingsAfterBegin } from './pipelined-settings';

/**
 * A pool that plain reads may use directly, skipping the source's own
 * wrapping, when it can serve at once: the database strategy's tenant pool
 * hands out its inner pg pool when an idle connection is ready (one layer and
 * its promises less on every read), and maps what fails there as its own
 * statements' errors.
 */
export interface DirectReads {
  /** The pg pool to run a plain read on now, or undefined to go through `source`. */
  pool(): Pool | undefined;
  /** The error to throw for a read that failed on that pool. */
  error(error: unknown): unknown;
}

/**
 * One tenant's view of a pg pool it does not own (the shared pool of the
 * schema strategy, or the tenant's own pool in the database strategy). It is
 * a `pg.Pool` only so Prisma's adapter accepts it: connections come from
 * `source` (or `direct`, for plain reads). Statements marked by
 * `needsSettings()` (raw SQL, writes) and every transaction run with the
 * tenant's settings transaction-locally; plain reads go straight to the
 * source. Every statement passes `guard` first, and is counted while in
 * flight so the client pool can retire the tenant's client only when idle.
 */
export class TenantViewPool extends Pool {
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly source: Pool,
    private readonly setSql: string,
    private readonly needsSettings: () => boolean,
    /** Runs before every statement and transaction; throws to refuse it (wrong or no tenant in context). Required: a view without it would serve any context. */
    private readonly guard: () => void,
    private readonly direct?: DirectReads,
  ) {
    super({ max: 1 });
  }

  override query(...args: any[]): any {
    const [config, values] = args as [QueryArg, unknown[] | undefined];
    if (typeof values === 'function' || typeof args[2] === 'function') throw new TypeError('TenantViewPool.query does not take callbacks');
    this.guard();
    if (!this.needsSettings()) {
      // The hot path (plain reads): no async wrappers, just count the statement in flight.
      this.active++;
      const direct = this.direct?.pool();
      return (direct ?? this.source).query(config as QueryConfig, values).then(
        (result: unknown) => {
          this.done();
          return result;
        },
        (error: unknown) => {
          this.done();
          throw direct ? this.direct!.error(error) : error;
        },
      );
    }
    return this.track(this.run(config, values));
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('TenantViewPool.connect does not take callbacks');
    this.guard();
    this.active++;
    return this.source.connect().then(
      (client) => withSettingsAfterBegin(client, this.setSql, () => this.done()),
      (error: unknown) => {
        this.done();
        throw error;
      },
    );
  }

  /** The source belongs to the strategy; ending a view closes nothing. */
  override end(...args: any[]): any {
    const callback = args[0];
    if (typeof callback === 'function') callback();
    return Promise.resolve();
  }

  /** Statements and transactions running through this view. */
  activity(): number {
    return this.active;
  }

  whenIdle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(config: QueryArg, values?: unknown[]) {
    const client = await this.source.connect();
    let broken: Error | undefined;
    // A lent client is not watched by the pool: without a listener, a server
    // shutting down mid-statement would be an unhandled 'error' event.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      return await queryWithLocalSettings(client, this.setSql, config, values);
    } catch (error) {
      broken ??= (error as { releaseWith?: Error }).releaseWith;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work;
    } finally {
      this.done();
    }
  }

  private done(): void {
    this.active--;
    if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
