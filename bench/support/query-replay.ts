import { Pool, type QueryConfig } from 'pg';

interface Recorded {
  command: string;
  rowCount: number | null;
  fields: unknown[];
  rows: unknown[];
}

/**
 * Makes every `pg.Pool#query` in the process answer from memory: the first
 * time a statement (text + values) is seen it runs for real and its result is
 * recorded; later it is replayed without touching the network or PostgreSQL.
 * What is left to measure is the Node side of a query (Prisma, the adapter,
 * the package), the same for every variant. Only for benchmarks: undo it with
 * the returned function.
 */
export function installQueryReplay(): () => void {
  const original = Pool.prototype.query;
  const recorded = new Map<string, Recorded>();
  (Pool.prototype as { query: unknown }).query = function replay(
    this: Pool,
    config: string | QueryConfig,
    values?: unknown[],
  ) {
    const text = typeof config === 'string' ? config : config.text;
    const key = `${text}\u0000${JSON.stringify(values ?? (typeof config === 'string' ? undefined : config.values))}`;
    const hit = recorded.get(key);
    if (hit)
      return Promise.resolve({
        ...hit,
        rows: hit.rows.map((row) => (Array.isArray(row) ? row.slice() : { ...(row as object) })),
      });
    return (original as (c: unknown, v?: unknown) => Promise<Recorded>).call(this, config, values).then((result) => {
      recorded.set(key, {
        command: result.command,
        rowCount: result.rowCount,
        fields: result.fields,
        rows: result.rows,
      });
      return result;
    });
  };
  return () => {
    Pool.prototype.query = original;
  };
}
