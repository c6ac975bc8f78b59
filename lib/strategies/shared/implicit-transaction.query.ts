import { Query, type PoolClient, type QueryConfig } from 'pg';

// What of pg's connection this query writes to: the protocol messages, not yet buffered.
interface ProtocolWriter {
  parse(message: { text: string; name?: string; types?: unknown[] }): void;
  close(message: { type: 'S'; name: string }): void;
  bind(message: { portal?: string; statement?: string; values?: unknown[]; valueMapper?: unknown }): void;
  execute(message: { portal?: string; rows?: number }): void;
}

// pg's Query, as far as this subclass uses it (its typings do not describe it).
interface PgQuery {
  callback?: (error: Error | null, result?: unknown) => void;
  requiresPreparation(): boolean;
  prepare(connection: ProtocolWriter): void;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: unknown): void;
}
const PgQuery = Query as unknown as new (config: QueryConfig, values?: unknown[]) => PgQuery;

/**
 * One statement run with a transaction-local setting, in one implicit
 * transaction of the extended query protocol: `Parse/Bind/Execute` of the
 * `set_config(..., true)`, then the statement's own `Parse/Bind/Describe/
 * Execute`, then a single `Sync`. PostgreSQL runs everything before a `Sync`
 * in one transaction and ends it at the `Sync`, so the setting lives exactly
 * as long as the statement: no `BEGIN` and `COMMIT` round their own trips
 * through the server, and the client parses one answer instead of four.
 * PgBouncer's transaction pooling keeps the server connection until the
 * `Sync`'s ReadyForQuery reports idle, as for any transaction.
 *
 * Only for statements Prisma builds from model operations: one statement,
 * never transaction control. Raw SQL could contain `BEGIN` or `COMMIT`, which
 * would stretch or end the implicit transaction; it keeps the explicit one.
 * The `set_config` row and command tag are dropped, so the statement's result
 * is all the caller sees. Without a setting (session mode, on a connection
 * already carrying the tenant) it is the statement alone.
 *
 * `close` names a prepared statement to close first (see StatementCache):
 * closing a statement is not transactional and cannot fail, so it rides
 * ahead of the rest for free.
 * @internal
 */
class ImplicitTransactionQuery extends PgQuery {
  private settingPending: boolean;

  constructor(
    config: QueryConfig,
    values: unknown[] | undefined,
    private readonly setSql: string | undefined,
    private readonly close?: string,
  ) {
    super(config, values);
    this.settingPending = setSql !== undefined;
  }

  // Always the extended protocol, even without parameters: the simple one would end the transaction early.
  override requiresPreparation(): boolean {
    return true;
  }

  override prepare(connection: ProtocolWriter): void {
    if (this.close) connection.close({ type: 'S', name: this.close });
    if (this.setSql !== undefined) {
      // Unnamed statement and portal: the statement's own Parse or Bind replaces them, after they ran.
      connection.parse({ text: this.setSql, name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: [] });
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }

  override handleDataRow(message: unknown): void {
    if (!this.settingPending) super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: unknown): void {
    if (this.settingPending) this.settingPending = false;
    else super.handleCommandComplete(message, connection);
  }
}

/**
 * Runs `config` on `client` with `setSql` (a `SELECT set_config(..., true)`)
 * in force for it alone, in one round trip and one implicit transaction;
 * `callback` gets the statement's result. Callback-style, so a hot path needs
 * no promise of its own (see RlsTenantPool).
 * @internal
 */
export function submitInImplicitTransaction(
  client: PoolClient,
  setSql: string | undefined,
  config: string | QueryConfig,
  values: unknown[] | undefined,
  callback: (error: Error | null, result?: unknown) => void,
  close?: string,
): void {
  const query = new ImplicitTransactionQuery(
    typeof config === 'string' ? { text: config } : config,
    values,
    setSql,
    close,
  );
  query.callback = callback;
  // A submittable: pg writes it (corked) when its turn on the pipeline comes.
  client.query(query as unknown as QueryConfig);
}

/**
 * `submitInImplicitTransaction` as a promise.
 * @internal
 */
export function queryInImplicitTransaction(
  client: PoolClient,
  setSql: string | undefined,
  config: string | QueryConfig,
  values?: unknown[],
  close?: string,
): Promise<any> {
  return new Promise((resolve, reject) =>
    submitInImplicitTransaction(
      client,
      setSql,
      config,
      values,
      (error, result) => (error ? reject(error) : resolve(result)),
      close,
    ),
  );
}
