import { Client, type ClientConfig } from 'pg';
import type { ConnectionBudget, TenantClaim } from './connection-budget';

const ignore = () => undefined;

/** Connections of one tenant that hold a budget slot (dialling or open). */
export interface HeldConnections {
  count: number;
}

/**
 * A pg `Client` class for one tenant's pool (its `Client` option) that takes
 * a slot of the global budget before it dials and frees it once the socket
 * has closed, whoever closed it: the pool, the server, or a failed dial.
 * Counting here, below the pool, sees every physical connection and nothing
 * else, so the budget holds whatever the pools and Prisma do above, and
 * `claim` counts the connection for its tenant across all the tenant's pools.
 */
export function budgetedClientClass(
  budget: ConnectionBudget,
  connectTimeoutMs: number,
  held: HeldConnections,
  /** Turns a lost connection into the tenant's error (statement errors come back unchanged). */
  lost: (error: unknown) => unknown,
  /** The tenant the connections are for, capped at its pool size across its pools. Default: none. */
  claim?: TenantClaim,
): typeof Client {
  return class BudgetedClient extends Client {
    constructor(config?: ClientConfig) {
      // The dial timeout is the client's, not the pool's: pg-pool's own timer
      // would also run while the connection waits for a budget slot, and
      // destroy a socket that was never opened.
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      // A lent connection whose server goes away emits 'error', and pg-pool
      // listens only while it is idle: without a listener of ours the process
      // would crash. The statement running on it fails with the same error.
      this.on('error', ignore);
    }

    /**
     * A statement that fails because the connection is gone (server stopped,
     * network cut, also during COMMIT) rejects with the tenant's 503 error
     * rather than pg's: every query of the tenant, in a transaction or not,
     * runs here, so nothing above has to translate it.
     */
    override query(config: any, values?: any, callback?: any): any {
      const result: unknown = super.query(config, values, callback);
      if (!(result instanceof Promise)) return result; // callback or submittable: pg-internal uses
      return result.catch((error: unknown) => {
        throw lost(error);
      });
    }

    override connect(...args: any[]): any {
      const callback = args[0] as ((error?: Error) => void) | undefined;
      const connected = this.connectWithinBudget();
      if (!callback) return connected;
      connected.then(
        () => callback(),
        (error: Error) => callback(error),
      );
      return undefined;
    }

    private async connectWithinBudget(): Promise<this> {
      const free = await budget.acquire(claim);
      held.count++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        held.count--;
        free();
      };
      // 'end' follows every socket close, including one after a failed dial.
      this.once('end', release);
      try {
        await super.connect();
      } catch (error) {
        release();
        throw error;
      }
      return this;
    }
  } as unknown as typeof Client;
}
