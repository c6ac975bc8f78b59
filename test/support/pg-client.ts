import { Client } from 'pg';

/**
 * Opens one `pg` client on `url`, runs `fn`, and always closes the client, so
 * a failing assertion cannot leave a connection (and Jest) hanging.
 */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `withClient` under the name used for superuser work; pass `db.adminUrl`. */
export const withAdminClient = withClient;

/** `url` with another user, password and/or database; everything else (host, port, query) is kept. */
export function rewriteUrl(url: string, parts: { user?: string; password?: string; database?: string }): string {
  const target = new URL(url);
  if (parts.user !== undefined) target.username = encodeURIComponent(parts.user);
  if (parts.password !== undefined) target.password = encodeURIComponent(parts.password);
  if (parts.database !== undefined) target.pathname = `/${encodeURIComponent(parts.database)}`;
  return target.href;
}

/** Double-quotes an identifier for SQL built from names we generated ourselves. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes a string literal, for the few statements that take no parameters (CREATE ROLE ... PASSWORD). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
