import { escapeLiteral, type PoolClient, type QueryConfig } from 'pg';
import { markForReset } from './session-reset';
import { settle } from './settle';

export type QueryArg = string | QueryConfig;

/** `SELECT set_config(...)` for several settings in one statement. Names are validated identifiers. */
export function setConfigSql(settings: Record<string, string>, local: boolean): string {
  const calls = Object.entries(settings).map(
    ([name, value]) => `set_config('${name}', ${escapeLiteral(value)}, ${local})`,
  );
  return `SELECT ${calls.join(', ')}`;
}

/**
 * Sends what `send` queues on a pipeline-mode client in one socket write.
 * pg writes each query as soon as it is queued (a simple query, or a corked
 * Parse/Bind/Describe/Execute/Sync group), so BEGIN, set_config, the statement
 * and COMMIT would cost four writes and as many wake-ups of the server;
 * corking the socket around them makes it one.
 */
export function corked<T>(client: PoolClient, send: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection
    ?.stream;
  if (!stream?.cork || !stream.uncork) return send();
  stream.cork();
  try {
    return send();
  } finally {
    stream.uncork();
  }
}

/**
 * Undoes, inside the transaction and before its COMMIT, what SQL the package
 * did not write may leave on the session for later: session-level settings
 * (`SET`, `set_config(..., false)`, `SET ROLE`, which RESET ALL skips), cursors
 * held past commit, temporary tables (PostgreSQL searches `pg_temp` first, so
 * one named like a tenant table shadows it in unqualified SQL). Done before
 * COMMIT because behind PgBouncer's transaction pooling the server connection
 * may serve another client right after it. Pipelined: no round trip.
 */
const SESSION_CLEANUP = ['RESET ALL', 'RESET ROLE', 'CLOSE ALL', 'DISCARD TEMP'];

/**
 * Runs one statement in its own transaction with settings that live and die
 * with it. On a pipeline-mode client the four messages share one round trip.
 * With `cleanup` (raw SQL), the session is cleaned before COMMIT.
 * Returns the error to release the connection with, when it may be broken.
 */
export async function queryWithLocalSettings(
  client: PoolClient,
  setSql: string,
  config: QueryArg,
  values?: unknown[],
  cleanup = false,
): Promise<any> {
  const sent = corked(client, () => [
    client.query('BEGIN'),
    client.query(setSql),
    client.query(config as QueryConfig, values),
    ...(cleanup ? SESSION_CLEANUP.map((sql) => client.query(sql)) : []),
    client.query('COMMIT'),
  ]);
  try {
    return (await settle(sent))[2];
  } catch (error) {
    // COMMIT of a failed transaction rolls back; this makes sure nothing stays open either way.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      (error as { releaseWith?: Error }).releaseWith = rollbackError;
    });
    throw error;
  }
}

// DEALLOCATE, or DISCARD ALL (which cannot run in a transaction, but costs nothing to catch).
const DROPS_PREPARED = /\b(DEALLOCATE|DISCARD)\b/i;

/**
 * Wraps a connection lent for a Prisma transaction so that `setSql` runs
 * transaction-locally right after `BEGIN` (and after `SET TRANSACTION ...`,
 * which must come first), pipelined with the transaction's first statement,
 * and the session is cleaned (see SESSION_CLEANUP) right before `COMMIT`:
 * what runs in a transaction is not seen statement by statement here.
 * `onRelease` runs once when the connection goes back.
 */
export function withSettingsAfterBegin(client: PoolClient, setSql: string, onRelease?: () => void): PoolClient {
  let pending = false;
  let released = false;
  const query = async (config: QueryArg, values?: unknown[]) => {
    const text = typeof config === 'string' ? config : config.text;
    // Raw SQL in the transaction that drops prepared statements: pg's record of
    // them would be wrong, so the connection is reset before its next named one.
    if (DROPS_PREPARED.test(text)) markForReset(client);
    if (/^\s*BEGIN\b/i.test(text)) {
      const result = await client.query(config as QueryConfig, values);
      pending = true;
      return result;
    }
    if (pending && !/^\s*SET\s+TRANSACTION\b/i.test(text)) {
      pending = false;
      return (
        await settle(corked(client, () => [client.query(setSql), client.query(config as QueryConfig, values)]))
      )[1];
    }
    if (/^\s*COMMIT\b/i.test(text)) {
      const sent = corked(client, () => [
        ...SESSION_CLEANUP.map((sql) => client.query(sql)),
        client.query(config as QueryConfig, values),
      ]);
      return (await settle(sent))[SESSION_CLEANUP.length];
    }
    return client.query(config as QueryConfig, values);
  };
  const release = (error?: Error | boolean) => {
    if (!released) {
      released = true;
      onRelease?.();
    }
    return client.release(error);
  };
  return new Proxy(client, {
    get: (target, key, receiver) =>
      key === 'query' ? query : key === 'release' ? release : Reflect.get(target, key, receiver),
  });
}
