import { Pool, type PoolClient, type QueryConfig } from 'pg';
import { queryInImplicitTransaction, submitInImplicitTransaction } from './implicit-transaction.query';
import type { NamedStatements } from './named-statements';
import { queryWithLocalSettings, type QueryArg, withSettingsAfterBegin } from './pipelined-settings';
import { isMarkedForReset, markForReset, resetIfMarked } from './session-reset';
import type { StatementKind } from './statement-scope';

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
 * The check a view runs once, before its first statement: that the schema or
 * database it points at is marked for its tenant. It throws to refuse
 * (`TenantMisconfiguredError`, or `TenantUnavailableError` when it could not
 * run); the view then refuses that statement and checks again on the next one.
 */
export type OwnershipCheck = (source: Pool) => Promise<void>;

// pg-pool's callback form of connect(), which hands the connection over without a promise.
type CallbackConnect = (callback: (error: Error | undefined, client?: PoolClient) => void) => void;

/**
 * One tenant's view of a pg pool it does not own (the shared pool of the
 * schema strategy, or the tenant's own pool in the database strategy). It is
 * a `pg.Pool` only so Prisma's adapter accepts it: connections come from
 * `source` (or `direct`, for plain reads). Statements marked by
 * `needsSettings()` (raw SQL, writes) and every transaction run with the
 * tenant's settings transaction-locally; plain reads go straight to the
 * source. Every statement passes `guard` first, and is counted while in
 * flight so the client pool can retire the tenant's client only when idle.
 * With `ownership`, no statement reaches the source before that check passed
 * once (a boolean afterwards, so the hot path stays as it was).
 * With `statements`, plain reads and model writes run under prepared names
 * (see NamedStatements): PostgreSQL parses and plans each once per
 * connection. Raw SQL and transactions stay unnamed.
 */
export class TenantViewPool extends Pool {
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  // Whether the ownership check passed (or there is none), and the check under way.
  private verified: boolean;
  private verifying?: Promise<void>;

  constructor(
    private readonly source: Pool,
    private readonly setSql: string,
    /** What the statement starting now is, when it needs the settings; undefined for a plain read. */
    private readonly needsSettings: () => StatementKind | undefined,
    /** Runs before every statement and transaction; throws to refuse it (wrong or no tenant in context). Required: a view without it would serve any context. */
    private readonly guard: () => void,
    private readonly direct?: DirectReads,
    /** Run once before the first statement; a failure is never remembered as a pass. Default: none. */
    private readonly ownership?: OwnershipCheck,
    /** Prepared names for Prisma's statements, shared by the strategy's views. Default: none. */
    private readonly statements?: NamedStatements,
  ) {
    super({ max: 1 });
    this.verified = ownership === undefined;
  }

  override query(...args: any[]): any {
    const [config, values] = args as [QueryArg, unknown[] | undefined];
    if (typeof values === 'function' || typeof args[2] === 'function')
      throw new TypeError('TenantViewPool.query does not take callbacks');
    this.guard();
    if (!this.verified) {
      // needsSettings() reads the caller's async context: decide now, not after the check.
      const scoped = this.needsSettings();
      if (scoped) return this.track(this.checked().then(() => this.run(config, values, scoped)));
      this.active++;
      return this.checked().then(
        () => this.readNow(config, values),
        (error: unknown) => {
          this.done();
          throw error;
        },
      );
    }
    const kind = this.needsSettings();
    if (!kind) {
      // The hot path (plain reads): no async wrappers, just count the statement in flight.
      this.active++;
      return this.readNow(config, values);
    }
    if (kind === 'write') {
      this.active++;
      return this.writeNow(config, values);
    }
    return this.track(this.run(config, values, kind));
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('TenantViewPool.connect does not take callbacks');
    this.guard();
    this.active++;
    const source = this.verified ? this.source.connect() : this.checked().then(() => this.source.connect());
    return source.then(
      (client) => {
        // Ahead of BEGIN, pipelined; a failed reset leaves the mark for next
        // time. The wrapper cleans the session before COMMIT.
        void resetIfMarked(client);
        return withSettingsAfterBegin(client, this.setSql, () => this.done());
      },
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

  /** The ownership check, shared by the statements that arrive while it runs. */
  private checked(): Promise<void> {
    this.verifying ??= this.ownership!(this.source).then(
      () => {
        this.verified = true;
      },
      (error: unknown) => {
        this.verifying = undefined;
        throw error;
      },
    );
    return this.verifying;
  }

  /** A plain read, counted in flight by the caller: uncounted here when it settles. */
  private readNow(config: QueryArg, values?: unknown[]): Promise<unknown> {
    const direct = this.direct?.pool();
    if (this.statements?.enabled) return this.readNamed(direct ?? this.source, direct !== undefined, config, values);
    return (direct ?? this.source).query(config as QueryConfig, values).then(
      (result: unknown) => {
        this.done();
        return result;
      },
      (error: unknown) => {
        this.done();
        throw this.mapped(direct !== undefined, error);
      },
    );
  }

  /** A plain read, unnamed, without counting (a read stopped for its prepared name, run again). */
  private async read(config: QueryArg, values?: unknown[]) {
    const direct = this.direct?.pool();
    try {
      return await (direct ?? this.source).query(config as QueryConfig, values);
    } catch (error) {
      throw this.mapped(direct !== undefined, error);
    }
  }

  /** What a statement that failed on the direct pool throws (see DirectReads.error); elsewhere, the error itself. */
  private mapped(direct: boolean, error: unknown): unknown {
    return direct ? this.direct!.error(error) : error;
  }

  /**
   * Hands a connection of `pool` to `use`: without a promise when the pool is
   * pg-pool's own (a pool that wraps its checkout, the fair share or a tenant
   * database pool, its own way). A failed checkout uncounts the statement
   * and goes to `reject`, mapped.
   */
  private checkout(
    pool: Pool,
    direct: boolean,
    reject: (error: unknown) => void,
    use: (client: PoolClient) => void,
  ): void {
    const start = (error: Error | undefined, client?: PoolClient) => {
      if (error || !client) {
        this.done();
        return reject(this.mapped(direct, error));
      }
      use(client);
    };
    if (pool.connect === Pool.prototype.connect) (Pool.prototype.connect as CallbackConnect).call(pool, start);
    else (pool.connect() as Promise<PoolClient>).then((client) => start(undefined, client), start);
  }

  /**
   * The hot path with the statement cache: a plain read under its prepared
   * name, callback-style as pg-pool's own `query` (one promise per read).
   * A connection marked for reset is reset first, in the same round trip:
   * raw SQL may have deallocated statements pg believes prepared there. As
   * with pg-pool's `query`, a connection whose statement failed is not
   * reused, and its prepared statements go with it; a read stopped for its
   * name (see preparedStatementFailure) runs again, unnamed, on another.
   * Counted in flight by the caller; uncounted here when it settles.
   */
  private readNamed(pool: Pool, direct: boolean, config: QueryArg, values?: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.checkout(pool, direct, reject, (client) => {
        const reset = resetIfMarked(client);
        const named = this.statements!.named(client, config);
        const finish = (failure: Error | null | undefined, result?: unknown) => {
          if (!failure) {
            client.release();
            this.done();
            return resolve(result);
          }
          client.release(failure);
          if (named && this.statements!.afterFailure(client, named, failure))
            return resolve(this.read(config, values).finally(() => this.done()));
          this.done();
          reject(this.mapped(direct, failure));
        };
        submitInImplicitTransaction(
          client,
          undefined,
          named?.config ?? config,
          values,
          // The reset ran first on the connection, so its outcome is known by now, one promise turn later.
          reset ? (failure, result) => void reset.then((broken) => finish(failure ?? broken, result)) : finish,
          named?.close,
        );
      }),
    );
  }

  /**
   * The hot path of model writes, callback-style as the reads' (one promise
   * per write): on a connection of pg-pool's own, not marked for reset, the
   * settings and the statement go in one implicit transaction (see send).
   * Anything else (a pool that wraps its checkout, a marked connection, a
   * write stopped for its prepared name) takes the general path. Counted in
   * flight by the caller; uncounted here when it settles.
   */
  private writeNow(config: QueryArg, values?: unknown[]): Promise<unknown> {
    const direct = this.direct?.pool();
    const pool = direct ?? this.source;
    const settle = (work: Promise<unknown>) => work.finally(() => this.done());
    if (pool.connect !== Pool.prototype.connect) return settle(this.run(config, values, 'write'));
    return new Promise((resolve, reject) =>
      this.checkout(pool, direct !== undefined, reject, (client) => {
        if (isMarkedForReset(client)) return resolve(settle(this.runOn(client, config, values, 'write')));
        const named = this.statements?.named(client, config);
        let broken: Error | undefined;
        // As in runOn: a lent connection's 'error' event needs a listener.
        const onError = (failure: Error) => (broken = failure);
        client.on('error', onError);
        submitInImplicitTransaction(
          client,
          this.setSql,
          named?.config ?? config,
          values,
          (failure, result) => {
            client.removeListener('error', onError);
            if (failure && named && !broken && this.statements!.afterFailure(client, named, failure))
              return resolve(settle(this.runOn(client, config, values, 'write', true)));
            client.release(broken);
            this.done();
            // On a tenant database's pool, a lost connection becomes its 503, as for reads.
            if (failure) reject(this.mapped(direct !== undefined, failure));
            else resolve(result);
          },
          named?.close,
        );
      }),
    );
  }

  private async run(config: QueryArg, values: unknown[] | undefined, kind: StatementKind) {
    return this.runOn(await this.source.connect(), config, values, kind);
  }

  /** The general path of writes and raw SQL on `client`; `unnamed`: a retry, which must not use the statement cache. */
  private async runOn(
    client: PoolClient,
    config: QueryArg,
    values: unknown[] | undefined,
    kind: StatementKind,
    unnamed = false,
  ): Promise<unknown> {
    let broken: Error | undefined;
    // A lent client is not watched by the pool: without a listener, a server
    // shutting down mid-statement would be an unhandled 'error' event.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      // Raw SQL and writes take this path. Plain reads, which skip it, are
      // schema-qualified and cannot see what raw SQL left in a session (a
      // temporary table, a search_path); statements here can, so a connection
      // raw SQL ran on is reset first. Known writes leave nothing behind.
      const reset = resetIfMarked(client);
      if (kind !== 'write') markForReset(client);
      const result = await this.send(client, config, values, kind, unnamed).catch(async (error: unknown) => {
        broken ??= (await reset) ?? (error as { releaseWith?: Error }).releaseWith;
        throw error;
      });
      broken ??= await reset;
      if (broken) throw broken;
      return result;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /**
   * A write or raw SQL, with the settings. A model write is one statement
   * Prisma built: it runs in one implicit transaction with the settings (one
   * Sync, no BEGIN/COMMIT to encode and parse), under its prepared name when
   * the cache is on; one stopped for its name runs again, unnamed, after a
   * reset. Raw SQL may hold BEGIN or COMMIT itself and keeps the explicit one.
   */
  private async send(
    client: PoolClient,
    config: QueryArg,
    values: unknown[] | undefined,
    kind: StatementKind,
    unnamed = false,
  ): Promise<unknown> {
    if (kind !== 'write') return queryWithLocalSettings(client, this.setSql, config, values, true);
    const named = unnamed ? undefined : this.statements?.named(client, config);
    try {
      return await queryInImplicitTransaction(client, this.setSql, named?.config ?? config, values, named?.close);
    } catch (error) {
      if (!named || !this.statements!.afterFailure(client, named, error)) throw error;
      const broken = await resetIfMarked(client);
      if (broken) throw Object.assign(error as Error, { releaseWith: broken });
      return this.send(client, config, values, kind, true);
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
    // Checked first: splice() would allocate an array on every statement, waiters or not.
    if (this.active === 0 && this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
