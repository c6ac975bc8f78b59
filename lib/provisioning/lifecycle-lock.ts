import { Client, type Pool } from 'pg';
import { TenantLifecycleError } from './tenant-lifecycle.error';
import type { TenantLifecycleOperation } from './tenant-lifecycle.events';

// Two-int advisory lock namespace of lifecycle operations ("NPRL"); the
// migration runner uses "NPRT", so the two never wait on each other.
const LIFECYCLE_LOCK = 0x4e50524c;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `work` holding the tenant's lifecycle lock in the registry database,
 * so provisioning, migrating, suspending or dropping one tenant never overlap
 * in any process. The lock sits on a connection of its own, opened with the
 * registry pool's settings rather than borrowed from it: `work` queries the
 * registry through that pool, and holding one of its connections while
 * waiting for another would deadlock once concurrent operations fill it.
 * Closing the connection releases the lock, even if the process dies.
 */
export async function withLifecycleLock<T>(
  registry: Pool,
  key: string,
  operation: TenantLifecycleOperation,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const client = new Client(registry.options);
  client.on('error', () => undefined);
  await client.connect();
  try {
    if (timeoutMs > 0) await client.query(`SET lock_timeout = ${Math.floor(timeoutMs)}`);
    try {
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LIFECYCLE_LOCK, key]);
    } catch (error) {
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
      const tenantId = key.slice(key.indexOf(':') + 1);
      throw new TenantLifecycleError(tenantId, operation, 'busy', `another process held it for over ${timeoutMs} ms`);
    }
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}
