import { escapeLiteral, Pool, type PoolClient, type PoolConfig, type QueryConfig } from 'pg';
import type { RlsScope } from './rls-scope';

/** How the pool learns, at the moment a query starts, which tenant it serves. */
export interface RlsPoolSettings {
  /** GUC carrying the tenant id, already validated as `prefix.name`. */
  setting: string;
  /** `transaction`: set per transaction (PgBouncer-safe). `session`: keep on the connection. */
  mode: 'transaction' | 'session';
  /** Current scope; throws `MissingTenantError` when there is neither a tenant nor a shared-model scope. */
  scope: () => RlsScope;
}

type QueryArg = string | QueryConfig;

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

  constructor(
    config: PoolConfig,
    private readonly rls: RlsPoolSettings,
  ) {
    // Pipeline mode lets the tenant setting travel with the statement in one
    // round trip instead of one round trip each.
    super({ ...config, pipeline: true } as PoolConfig);
  }

  // pg's typings overload query() heavily; the adapter only uses the promise forms.
  override query(...args: any[]): any {
    const [config, values] = args as [QueryArg, unknown[] | undefined];
    if (typeof values === 'function' || typeof args[2] === 'function') {
      throw new TypeError('RlsTenantPool.query does not take callbacks');
    }
    return this.runScoped(this.rls.scope(), config, values);
  }

  override connect(...args: any[]): any {
    if (args.length > 0) throw new TypeError('RlsTenantPool.connect does not take callbacks');
    return this.connectScoped(this.rls.scope());
  }

  private async runScoped(scope: RlsScope, config: QueryArg, values?: unknown[]) {
    const client = await super.connect();
    let broken: Error | undefined;
    try {
      if (this.rls.mode === 'session') {
        // Pipelined: the set (when the tenant changed) and the query share one round trip.
        const [, result] = await settle([this.carry(client, scope.tenantId ?? ''), client.query(config as QueryConfig, values)]);
        return result;
      }
      if (scope.tenantId === null) return await client.query(config as QueryConfig, values);
      // Pipelined in one round trip: the setting lives and dies with this transaction.
      const sent = [client.query('BEGIN'), client.query(this.setConfigSql(scope.tenantId, true)), client.query(config as QueryConfig, values), client.query('COMMIT')];
      try {
        return (await settle(sent))[2];
      } catch (error) {
        // COMMIT of a failed transaction rolls back; this makes sure nothing stays open either way.
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  private async connectScoped(scope: RlsScope): Promise<PoolClient> {
    const client = await super.connect();
    if (this.rls.mode === 'session') {
      try {
        await this.carry(client, scope.tenantId ?? '');
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      return client;
    }
    return scope.tenantId === null ? client : this.transactionClient(client, scope.tenantId);
  }

  /**
   * Wraps a connection lent for a Prisma transaction so that the tenant is set
   * transaction-locally right after `BEGIN` (and after `SET TRANSACTION ...`,
   * which must come first), before the first statement of the transaction.
   */
  private transactionClient(client: PoolClient, tenantId: string): PoolClient {
    let pending = false;
    const setSql = this.setConfigSql(tenantId, true);
    const query = async (config: QueryArg, values?: unknown[]) => {
      const text = typeof config === 'string' ? config : config.text;
      if (/^\s*BEGIN\b/i.test(text)) {
        const result = await client.query(config as QueryConfig, values);
        pending = true;
        return result;
      }
      if (pending && !/^\s*SET\s+TRANSACTION\b/i.test(text)) {
        pending = false;
        return (await settle([client.query(setSql), client.query(config as QueryConfig, values)]))[1];
      }
      return client.query(config as QueryConfig, values);
    };
    return new Proxy(client, {
      get: (target, key, receiver) => (key === 'query' ? query : Reflect.get(target, key, receiver)),
    });
  }

  /** Session mode: make the connection carry `tenantId`, skipping the round trip when it already does. */
  private async carry(client: PoolClient, tenantId: string): Promise<void> {
    if (this.carried.get(client) === tenantId) return;
    this.carried.delete(client);
    // Sent synchronously (before the first await), so it is on the wire ahead of any query queued after it.
    const set = client.query(this.setConfigSql(tenantId, false));
    await set;
    this.carried.set(client, tenantId);
  }

  private setConfigSql(tenantId: string, local: boolean): string {
    // The id passed the tenant id pattern already; quoting it as a literal is
    // a second guard, and avoids a parameterised round trip per statement.
    return `SELECT set_config('${this.rls.setting}', ${escapeLiteral(tenantId)}, ${local})`;
  }
}

/**
 * Awaits every promise (so none is left rejected and unhandled) and returns
 * their values, or throws the first rejection in order.
 */
async function settle<T extends readonly unknown[]>(promises: [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
