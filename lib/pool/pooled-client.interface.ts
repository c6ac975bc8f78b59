/**
 * One tenant's client as the pool holds it, with what the pool needs to
 * retire it safely. Made by a strategy for each tenant it serves.
 */
export interface PooledTenantClient<TClient> {
  /** The (extended) Prisma client handed out for the tenant. */
  readonly client: TClient;
  /** Statements and transactions now running through this client. */
  activity(): number;
  /** Resolves once `activity()` is 0 (at once when it already is). */
  whenIdle(): Promise<void>;
  /** Database connections this client holds open (its own, or borrowed now). */
  connections(): number;
  /** Disconnects the client and closes what it owns. Called only when idle. */
  dispose(): Promise<void>;
}

/** Pool events, each with the tenant id. */
export type TenantPoolEvent = 'created' | 'evicted' | 'disposed';

/** Payload of a pool event. */
export interface TenantPoolEventPayload {
  event: TenantPoolEvent;
  tenantId: string;
  /** For `evicted`: why the client left the pool. */
  reason?: 'lru' | 'idle' | 'invalidated' | 'shutdown';
}

/** Counters of a client pool since boot. */
export interface TenantPoolStats {
  /** Clients in the pool now. */
  size: number;
  /** Most clients kept. */
  max: number;
  /** `get` calls answered by a live client. */
  hits: number;
  /** `get` calls that had to build a client. */
  misses: number;
  /** Clients built (a miss whose build threw builds none). */
  created: number;
  /** Clients that left the pool (LRU, idle, invalidated, shutdown). */
  evictions: number;
  /** Evicted clients closed once their work was done. */
  disposed: number;
  /** Clients evicted but still finishing in-flight work. */
  disposing: number;
  /** Statements and transactions running now, across live and disposing clients. */
  inFlight: number;
  /** Connections open across live and disposing clients. */
  openConnections: number;
}
