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
  hits: number;
  misses: number;
  evictions: number;
  /** Clients evicted but still finishing in-flight work. */
  disposing: number;
  /** Connections open across live and disposing clients. */
  openConnections: number;
}
