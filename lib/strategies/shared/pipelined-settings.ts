import { escapeLiteral, type PoolClient, type QueryConfig } from 'pg';

export type QueryArg = string | QueryConfig;

/** `SELECT set_config(...)` for several settings in one statement. Names are validated identifiers. */
export function setConfigSql(settings: Record<string, string>, local: boolean): string {
  const calls = Object.entries(settings).map(
    ([name, value]) => `set_config('${name}', ${escapeLiteral(value)}, ${local})`,
  );
  return `SELECT ${calls.join(', ')}`;
}

/**
 * Awaits every promise (so none is left rejected and unhandled) and returns
 * their values, or throws the first rejection in order.
 */
export async function settle<T extends readonly unknown[]>(
  promises: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Runs one statement in its own transaction with settings that live and die
 * with it. On a pipeline-mode client the four messages share one round trip.
 * Returns the error to release the connection with, when it may be broken.
 */
export async function queryWithLocalSettings(
  client: PoolClient,
  setSql: string,
  config: QueryArg,
  values?: unknown[],
): Promise<any> {
  const sent = [
    client.query('BEGIN'),
    client.query(setSql),
    client.query(config as QueryConfig, values),
    client.query('COMMIT'),
  ];
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

/**
 * Wraps a connection lent for a Prisma transaction so that `setSql` runs
 * transaction-locally right after `BEGIN` (and after `SET TRANSACTION ...`,
 * which must come first), pipelined with the transaction's first statement.
 * `onRelease` runs once when the connection goes back.
 */
export function withSettingsAfterBegin(client: PoolClient, setSql: string, onRelease?: () => void): PoolClient {
  let pending = false;
  let released = false;
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
