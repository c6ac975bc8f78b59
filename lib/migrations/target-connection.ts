import { MigrationLockTimeoutError } from './errors/migration-lock-timeout.error';
import { LOCK_NAMESPACE } from './prisma-migrations.sql';
import type { MigrationClient, MigrationTarget } from './tenant-migration.interface';

const LOCK_NOT_AVAILABLE = '55P03';

/** A client dedicated to one target for the length of a run, holding the target's lock. */
export interface TargetSession {
  client: MigrationClient;
  /** The schema that holds the target's tables: `target.schema`, or the connection's current schema. */
  schema: string;
}

/**
 * Runs `work` on a dedicated client that holds the target's advisory lock.
 *
 * The lock is a session lock keyed by the schema name, so two processes (or
 * two calls in one) never migrate one target at once: the second waits, then
 * finds nothing pending. Session rather than transaction level because each
 * migration commits on its own. It is released before the client goes back to
 * its pool; if that fails, the client is destroyed, which frees it too. No
 * other session state is touched (search_path is set per transaction).
 */
export async function withTargetSession<T>(
  connect: (target: MigrationTarget) => Promise<MigrationClient>,
  target: MigrationTarget,
  lockTimeoutMs: number,
  work: (session: TargetSession) => Promise<T>,
): Promise<T> {
  const client = await connect(target);
  let held: string | null | undefined;
  try {
    held = await lock(client, target, lockTimeoutMs);
    if (held === null)
      throw new Error('nestjs-prisma-tenancy: the connection has no current schema; give the target a schema.');
    return await work({ client, schema: held });
  } finally {
    await release(client, held);
  }
}

/**
 * Takes the target's lock and returns its key: the target schema, or the
 * connection's current schema (null when it has none: nothing locked). The
 * wait is bounded with a transaction-local lock_timeout, so the session's own
 * setting is left alone; a session lock outlives the transaction it was taken in.
 */
async function lock(client: MigrationClient, target: MigrationTarget, lockTimeoutMs: number): Promise<string | null> {
  const bounded = lockTimeoutMs > 0;
  try {
    if (bounded) await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`);
    // Without a schema the target is whatever the connection resolves to; a
    // NULL key would make pg_advisory_lock a silent no-op, hence the CASE.
    const { rows } = await client.query<{ key: string | null }>(
      'SELECT key, CASE WHEN key IS NULL THEN NULL ELSE pg_advisory_lock($1, hashtext(key)) END AS locked ' +
        'FROM (SELECT coalesce($2::text, current_schema()) AS key) k',
      [LOCK_NAMESPACE, target.schema ?? null],
    );
    if (bounded) await client.query('COMMIT');
    return rows[0].key;
  } catch (error) {
    if (bounded) await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE)
      throw new MigrationLockTimeoutError(target, lockTimeoutMs);
    throw error;
  }
}

async function release(client: MigrationClient, key: string | null | undefined): Promise<void> {
  try {
    if (key != null) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, key]);
  } catch {
    // The session is in an unknown state (broken socket, aborted transaction):
    // destroying it is the only safe choice, and it drops the lock with it.
    client.release(true);
    return;
  }
  client.release();
}
