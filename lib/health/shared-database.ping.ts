import { Client, type ClientConfig } from 'pg';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { withinTimeout } from './health-failure';

/**
 * `SELECT 1` on the shared database (`databaseUrl`, with the app's `pool`
 * settings such as `ssl`), on a short connection of its own rather than
 * through the strategies' pools: the tenant-scoped pools refuse a statement
 * without a tenant, and a pool saturated by traffic would make the check wait
 * behind it (saturation is the pool check's business). Closed afterwards.
 */
export async function pingSharedDatabase(options: ResolvedTenancyOptions, timeoutMs: number): Promise<void> {
  // Pool-only settings (max, idleTimeoutMillis, ...) are ignored by a Client.
  const settings: ClientConfig = options.pool;
  const client = new Client({
    application_name: 'nestjs-prisma-tenancy health',
    ...settings,
    connectionString: options.databaseUrl,
    connectionTimeoutMillis: timeoutMs,
  });
  // A connection dropped later emits 'error'; without a listener that would crash the process.
  client.on('error', () => undefined);
  const ping = (async () => {
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  await withinTimeout(ping, timeoutMs);
}
