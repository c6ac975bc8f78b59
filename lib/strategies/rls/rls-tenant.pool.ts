import { Pool, type PoolClient, type PoolConfig, type QueryConfig } from 'pg';
import { FairShare, type FairShareSettings, fairShareEnabled } from '../../pool/fair-share';
import {
  queryWithLocalSettings,
  type QueryArg,
  setConfigSql,
  withSettingsAfterBegin,
} from '../shared/pipelined-settings';
import { isMarkedForReset, markForReset, resetIfMarked } from '../shared/session-reset';
import { NamedStatements } from '../shared/named-statements';
import { queryInImplicitTransaction, submitInImplicitTransaction } from '../shared/implicit-transaction.query';
import { type RlsScope, rawStatementScope } from './rls-scope';

// pg's callback form of query(), which its typings only give to string queries.
type CallbackQuery = {
  query(
    config: QueryArg,
    values: unknown[] | undefined,
    callback: (error: Error | null, result: unknown) => void,
  ): void;
};

// Tenants whose set_config text is kept (see setSql).
const SET_SQL_CACHE_MAX = 10_000;

/** How the pool learns, at the moment a query starts, which tenant it serves. */
export interface RlsPoolSettings {
  /** GUC carrying the tenant id, already validated as `prefix.name`. */
  setting: string;
  /** `transaction`: set per transaction (PgBouncer-safe). `session`: keep on the connection. */
  mode: 'transaction' | 'session';
  /** Current scope; throws `MissingTenantError` when there is neither a tenant nor a shared-model scope. */
  scope: () => RlsScope;
  /** Per-tenant cap and wait deadline on this pool's connections (the `sharedPool` option). Default: none. */
  fairShare?: FairShareSettings;
  /** Statements Prisma builds kept prepared per connection (see StatementCache); 0 or absent: none. */
  statementCacheSize?: number;
  /** Called once, with a warning naming the option, if the pool turns its statement cache off (see NamedStatements.afterFailure). */
  onStatementCacheOff?: (warning: string) => void;
}

/**
 * A pg Pool that runs every statement with the tenant set in the database
 * session, so PostgreSQL's policies see it. Prisma's pg adapter takes any
 * `pg.Pool`; it calls `query()` for single statements and `connect()` for
 * transactions, and both are overridden here. The tenant is read once, when
 * the call starts, and carried in a local from then on, so a pool wait or a
 * released connection can never change which tenant a statement runs as.
 */
export class RlsTenantPool extends Pool {
  // Session mode: which tenant each connection currently carries ('' = none).
  private readonly carried = new WeakMap<PoolClient, string>();
  // Undefined unless asked for, so a checkout without it stays pg's own.
  private readonly fair?: FairShare;
  // Each tenant's `SELECT set_config(...)` text, built once (see setSql).
  private readonly setSqls = new Map<string, string>();
  // Prisma's statements under prepared names (see NamedStatements); off with a size of 0.
  private readonly statements: NamedStatements;

  constructor(
    config: PoolConfig,
    private readonly rls: RlsPoolSettings,
  ) {
    // Pipeline mode lets the tenant setting travel with the statement in one
    // round trip instead of one round trip each.
    super({ ...config, pipeline: true } as PoolConfig);
    if (fairShareEnabled(rls.fairShare)) this.fair = new FairShare(this, rls.fairShare);
    this.statements = new NamedStatements(
      rls.statementCacheSize ?? 0,
      'rls.statementCacheSize',
      rls.onStatementCacheOff,
    );
  }

  // pg's typings overload query() heavily; the adapter only uses the promise forms.
  override query(...args: any[]): any {
    const [config, values] = args as [QueryArg, unknown[] | undefined];
    if (typeof values === 'function' || typeof args[2] === 'function') {
      throw new TypeError('RlsTenantPool.query does not take callbacks');
    }
    const scope = this.rls.scope();
    if (scope.tenantId !== null && !this.fair && !rawStatementScope.getStore())
      return this.runNow(scope.tenantId, config, values);
    return this.runScoped(scope, config, values);
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('RlsTenantPool.connect does not take callbacks');
    return this.connectScoped(this.rls.scope());
  }

  override end(...args: any[]): any {
    this.fair?.close();
    return super.end(...(args as []));
  }

  /** A connection of the pool, within the tenant's fair share when there is one. */
  private checkout(scope: RlsScope): Promise<PoolClient> {
    return this.fair ? this.fair.checkout(scope.tenantId, () => super.connect()) : super.connect();
  }

  /**
   * The hot path, for what most statements are: one Prisma built (not raw
   * SQL) as a tenant, without a fair share to wait for. Callback-style end to
   * end, as pg's own `Pool.query` is: one promise per statement instead of
   * one per step. The tenant's `set_config` and the statement run in one
   * implicit transaction (one round trip): either both take effect or
   * neither, so a statement never runs under a setting that failed. Session
   * mode skips the setting when the connection already carries the tenant.
   * A connection marked for reset takes the general path, which resets it.
   * With the statement cache, the statement runs under its prepared name; a
   * failure that leaves the connection's prepared statements in doubt marks
   * it for reset, and one that stopped the statement for its name (see
   * preparedStatementFailure) retries it once, unnamed, after the reset.
   */
  private runNow(tenantId: string, config: QueryArg, values?: unknown[]): Promise<unknown> {
    const session = this.rls.mode === 'session';
    return new Promise((resolve, reject) => {
      (Pool.prototype.connect as (callback: (error?: Error, client?: PoolClient) => void) => void).call(
        this,
        (error, client) => {
          if (error || !client) return reject(error);
          if (isMarkedForReset(client)) return resolve(this.runOn(client, { tenantId }, config, values));
          const named = this.statements.named(client, config);
          const done = (failure: Error | null, result?: unknown) => {
            if (failure && named && this.statements.afterFailure(client, named, failure))
              return resolve(this.runOn(client, { tenantId }, config, values, true));
            client.release();
            if (failure) reject(failure);
            else resolve(result);
          };
          const carrying = session && this.carried.get(client) === tenantId;
          if (carrying && !named) return (client as unknown as CallbackQuery).query(config, values, done);
          // Session mode: unknown until it commits (a failed transaction reverts the setting too).
          if (session && !carrying) this.carried.delete(client);
          const setSql = carrying ? undefined : this.setSql(tenantId);
          submitInImplicitTransaction(
            client,
            setSql,
            named?.config ?? config,
            values,
            (failure, result) => {
              if (session && !failure) this.carried.set(client, tenantId);
              done(failure, result);
            },
            named?.close,
          );
        },
      );
    });
  }

  private async runScoped(scope: RlsScope, config: QueryArg, values?: unknown[]) {
    return this.runOn(await this.checkout(scope), scope, config, values);
  }

  /** The general path; `unnamed`: a retry, which must not use the statement cache. */
  private async runOn(client: PoolClient, scope: RlsScope, config: QueryArg, values?: unknown[], unnamed = false) {
    let broken: Error | undefined;
    try {
      const reset = this.resetIfDirty(client);
      // Raw SQL may change the session; the connection is reset before its next
      // use, so a SET, temporary table or open transaction never reaches
      // another statement, this tenant's or another's.
      if (rawStatementScope.getStore()) markForReset(client);
      const result = await this.send(client, scope, config, values, unnamed).catch(async (error: unknown) => {
        broken = (await reset) ?? (error as { releaseWith?: Error }).releaseWith;
        throw error;
      });
      broken = await reset;
      if (broken) throw broken;
      return result;
    } finally {
      client.release(broken);
    }
  }

  private async send(
    client: PoolClient,
    scope: RlsScope,
    config: QueryArg,
    values?: unknown[],
    unnamed = false,
  ): Promise<unknown> {
    const raw = rawStatementScope.getStore() === true;
    // Raw SQL is never named: its text is the user's, and could differ on every call.
    const named = raw || unnamed ? undefined : this.statements.named(client, config);
    try {
      if (this.rls.mode === 'session') {
        // The setting first, then the statement: sent together, a statement would still run (as the
        // tenant the connection carried before) after a setting that failed. The hot path (runNow)
        // avoids the extra round trip with one implicit transaction; raw SQL may not run in one.
        await this.carry(client, scope.tenantId ?? '');
        if (!named) return await client.query(config as QueryConfig, values);
        return await queryInImplicitTransaction(client, undefined, named.config, values, named.close);
      }
      if (scope.tenantId === null && !named) return await client.query(config as QueryConfig, values);
      // Raw SQL keeps an explicit transaction (it could hold BEGIN or COMMIT itself) and gets the
      // session cleaned before COMMIT (PgBouncer-safe); Prisma's own statements run in an implicit one.
      if (raw) return await queryWithLocalSettings(client, this.setSql(scope.tenantId!), config, values, true);
      const setSql = scope.tenantId === null ? undefined : this.setSql(scope.tenantId);
      return await queryInImplicitTransaction(client, setSql, named?.config ?? config, values, named?.close);
    } catch (error) {
      if (!named || !this.statements.afterFailure(client, named, error)) throw error;
      const broken = await this.resetIfDirty(client);
      if (broken) throw Object.assign(error as Error, { releaseWith: broken });
      return this.send(client, scope, config, values, true);
    }
  }

  private async connectScoped(scope: RlsScope): Promise<PoolClient> {
    const client = await this.checkout(scope);
    try {
      // Not awaited: it travels ahead of the transaction's BEGIN. Should it
      // fail, the connection stays marked and is reset again before any reuse.
      void this.resetIfDirty(client);
      // What a transaction runs is not seen here statement by statement (batch
      // transactions run outside the extension's scope). In transaction mode
      // the wrapper cleans the session before COMMIT; a connection lent bare
      // (session mode, or a shared-model transaction) is reset before reuse.
      const wrapped = this.rls.mode === 'transaction' && scope.tenantId !== null;
      if (!wrapped) markForReset(client);
      if (this.rls.mode === 'session') await this.carry(client, scope.tenantId ?? '');
      return wrapped ? withSettingsAfterBegin(client, this.setSql(scope.tenantId!)) : client;
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /** Resets a marked connection (see session-reset.ts); session mode then sets the tenant again. */
  private resetIfDirty(client: PoolClient): Promise<Error | undefined> | undefined {
    const reset = resetIfMarked(client);
    if (reset) this.carried.delete(client);
    return reset;
  }

  /** Session mode: make the connection carry `tenantId`, skipping the round trip when it already does. */
  private async carry(client: PoolClient, tenantId: string): Promise<void> {
    if (this.carried.get(client) === tenantId) return;
    this.carried.delete(client);
    await client.query(this.setSql(tenantId));
    this.carried.set(client, tenantId);
  }

  /**
   * `SELECT set_config(...)` of `tenantId`: transaction-local in transaction
   * mode, for the session in session mode (a pool has one mode). Built once
   * per tenant: the ids come from the tenants in context, already validated.
   */
  private setSql(tenantId: string): string {
    let sql = this.setSqls.get(tenantId);
    if (sql === undefined) {
      // The id passed the tenant id pattern already; quoting it as a literal is
      // a second guard, and avoids a parameterised round trip per statement.
      sql = setConfigSql({ [this.rls.setting]: tenantId }, this.rls.mode === 'transaction');
      // Bounded all the same: past it the cache starts over.
      if (this.setSqls.size >= SET_SQL_CACHE_MAX) this.setSqls.clear();
      this.setSqls.set(tenantId, sql);
    }
    return sql;
  }
}
