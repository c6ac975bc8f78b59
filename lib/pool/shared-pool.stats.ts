import type { Pool } from 'pg';

/** Counters of a strategy's shared pg pool (the `databaseUrl` pool), as pg keeps them. */
export interface SharedPoolStats {
  /** Connections open now. */
  total: number;
  /** Open connections not checked out. */
  idle: number;
  /** Checkouts waiting for a connection (the pool is at `max` and every connection is busy). */
  waiting: number;
  /** Most connections (`pool.max`; pg's default is 10). */
  max: number;
}

/** Reads the counters of a pg pool; allocates one small object, for metrics only. */
export function sharedPoolStats(pool: Pool): SharedPoolStats {
  return {
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: (pool as Pool & { options: { max?: number } }).options.max ?? 10,
  };
}
