import type { Client, Pool } from 'pg';

/** Marks the error used to close an idle connection on purpose, so it is not logged as a failure. */
export const YIELDED = Symbol('nestjs-prisma-tenancy:yielded');

type PooledClient = Client & { _ending?: boolean };

/**
 * The connections of one pg pool, followed through its public events: which
 * are idle (so one can be closed when another tenant waits for a budget
 * slot) and which are still open (pg-pool's `end()` resolves before their
 * sockets have closed). pg-pool has no call to close one idle connection,
 * but it documents what it does when an idle client emits an error: removes
 * it from the pool, ends it and emits the error on the pool. That is the
 * lever used here, with an error marked `YIELDED`.
 */
export class PoolConnections {
  private readonly open = new Set<PooledClient>();
  private readonly idle = new Set<PooledClient>();
  private yielding = 0;
  private closedWaiters: Array<() => void> = [];

  /** `onRelease` runs whenever a connection goes back, while pg is still inside its release. */
  constructor(pool: Pool, onRelease: () => void) {
    pool.on('connect', (client: PooledClient) => {
      this.open.add(client);
      client.once('end', () => {
        this.open.delete(client);
        if (this.open.size === 0) for (const resolve of this.closedWaiters.splice(0)) resolve();
      });
    });
    pool.on('release', (error: Error | undefined, client: PooledClient) => {
      if (!error) this.idle.add(client);
      onRelease();
    });
    pool.on('acquire', (client: PooledClient) => this.idle.delete(client));
    pool.on('remove', (client: PooledClient) => this.idle.delete(client));
  }

  /** Closes one idle connection; false when there is none. Never call it from inside a pg release. */
  closeIdle(): boolean {
    for (const client of this.idle) {
      this.idle.delete(client);
      if (client._ending) continue;
      this.yielding++;
      client.once('end', () => this.yielding--);
      client.emit(
        'error',
        Object.assign(new Error('idle connection closed to free a connection budget slot'), { [YIELDED]: true }),
      );
      return true;
    }
    return false;
  }

  /** Connections asked to close by `closeIdle()` whose sockets are not closed yet. */
  closing(): number {
    return this.yielding;
  }

  /** Resolves once every connection the pool opened has closed its socket. */
  whenClosed(): Promise<void> {
    return this.open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.closedWaiters.push(resolve));
  }
}
