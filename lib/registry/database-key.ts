import { parse } from 'pg-connection-string';

/**
 * The database a connection string reaches, as `host:port/database`: read the
 * way pg reads it (`?host=`, `?port=` and `?database=`-style parameters win
 * over the URL's own parts), host lower-cased, port 5432 and the user's name
 * as database when left out, like pg's defaults (never the environment's, so
 * every process computes the same key). The registry keeps it unique, so two
 * records never name one database, even when their URLs are encrypted or
 * spelt differently. `null` when the string does not parse.
 */
export function databaseKey(url: string): string | null {
  let config: ReturnType<typeof parse>;
  try {
    config = parse(url);
  } catch {
    return null;
  }
  const host = String(config.host || 'localhost').toLowerCase();
  const port = Number(config.port || 5432);
  const database = config.database || config.user;
  if (!database) return null;
  return `${host.includes(':') ? `[${host}]` : host}:${port}/${database}`;
}
