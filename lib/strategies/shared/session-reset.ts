import type { PoolClient } from 'pg';
import { settle } from './settle';
import { forgetPreparedStatements } from './prepared-statements';

// Connections whose session state may have been changed by SQL the package did
// not write: raw statements, and anything run on a connection lent for a
// transaction. A connection is a unique object, so one set serves every pool.
const dirty = new WeakSet<PoolClient>();

/**
 * Marks a connection about to run SQL that may change its session state
 * (`SET`, `set_config(..., false)`, `RESET`, temporary tables, cursors held
 * past commit, a transaction left open): it is reset before it next runs a
 * statement that could see that state.
 */
export function markForReset(client: PoolClient): void {
  dirty.add(client);
}

/** Whether the connection is marked (see markForReset): a hot path then takes the general one, which resets it. */
export function isMarkedForReset(client: PoolClient): boolean {
  return dirty.has(client);
}

/**
 * When the connection is marked, queues ROLLBACK and DISCARD ALL ahead of
 * whatever it runs next (pipelined: no extra round trip). ROLLBACK comes first
 * because raw SQL may have left a transaction open and DISCARD ALL cannot run
 * inside one; outside a transaction ROLLBACK only warns. It deallocates the
 * connection's prepared statements too (see StatementCache). Returns undefined
 * when there was nothing to do, else a promise of the error when the reset
 * failed (it never rejects): the connection is then marked again, and a
 * caller that can should destroy it.
 */
export function resetIfMarked(client: PoolClient): Promise<Error | undefined> | undefined {
  if (!dirty.has(client)) return undefined;
  dirty.delete(client);
  const sent = settle([client.query('ROLLBACK'), client.query('DISCARD ALL')]);
  // DISCARD ALL deallocates every prepared statement: what is sent after it must parse again.
  forgetPreparedStatements(client);
  return sent.then(
    () => undefined,
    (error: Error) => {
      dirty.add(client);
      return error;
    },
  );
}
