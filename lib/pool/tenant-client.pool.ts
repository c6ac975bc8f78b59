import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Tenant } from '../store/tenant.interface';
import type { PooledTenantClient, TenantPoolEventPayload, TenantPoolStats } from './pooled-client.interface';
import { lruTtlResolution } from '../store/lru-ttl-resolution';

/** Settings of a client pool. */
export interface TenantClientPoolOptions<TClient> {
  /** Label used in log lines, for example the strategy name. */
  name: string;
  /** Most live clients. */
  max: number;
  /** A client unused this long (ms) is evicted. `0` keeps clients until LRU eviction. */
  idleTtlMs: number;
  /** Builds a tenant's client. Synchronous, so concurrent first requests create it once. */
  create(tenant: Tenant): PooledTenantClient<TClient>;
  /** Connections held outside the clients (a pool they share), added to `openConnections`. Default: none. */
  sharedConnections?: () => number;
}

type EvictionReason = NonNullable<TenantPoolEventPayload['reason']>;

/**
 * Per-tenant Prisma clients in an LRU, so thousands of tenants never mean
 * thousands of live clients. An evicted client leaves the pool at once (the
 * next request builds a fresh one) but is disposed only after its in-flight
 * statements and transactions finish, so eviction never breaks a query.
 */
export class TenantClientPool<TClient> extends EventEmitter {
  private readonly logger: Logger;
  private readonly cache: LRUCache<string, PooledTenantClient<TClient>>;
  private readonly disposing = new Set<PooledTenantClient<TClient>>();
  private readonly finishing = new WeakMap<PooledTenantClient<TClient>, Promise<void>>();
  private readonly sweep?: NodeJS.Timeout;
  // Set before a delete so the dispose hook knows why the client left.
  private pendingReason?: EvictionReason;
  private counters = { hits: 0, misses: 0, created: 0, evictions: 0, disposed: 0 };

  constructor(private readonly options: TenantClientPoolOptions<TClient>) {
    super();
    this.logger = new Logger(`TenancyPool:${options.name}`);
    this.cache = new LRUCache<string, PooledTenantClient<TClient>>({
      max: options.max,
      ttl: options.idleTtlMs || undefined,
      ttlResolution: lruTtlResolution(options.idleTtlMs),
      updateAgeOnGet: true,
      dispose: (entry, tenantId, reason) => {
        if (reason === 'set') return; // never overwritten in place
        this.retire(tenantId, entry, this.pendingReason ?? (reason === 'expire' ? 'idle' : 'lru'));
      },
    });
    if (options.idleTtlMs > 0) {
      // lru-cache checks TTLs lazily; sweep so idle tenants' connections close without traffic.
      this.sweep = setInterval(() => this.cache.purgeStale(), Math.min(options.idleTtlMs, 30_000));
      this.sweep.unref();
    }
  }

  /** The tenant's client, created on first use. */
  get(tenant: Tenant): TClient {
    const found = this.cache.get(tenant.id);
    if (found) {
      this.counters.hits++;
      return found.client;
    }
    this.counters.misses++;
    const created = this.options.create(tenant);
    this.counters.created++;
    this.cache.set(tenant.id, created);
    this.logger.debug(`created client for tenant "${tenant.id}"`);
    this.emitEvent({ event: 'created', tenantId: tenant.id });
    return created.client;
  }

  /** Drops a tenant's client (e.g. its database URL changed); in-flight work finishes first. */
  async invalidate(tenantId: string): Promise<void> {
    const entry = this.cache.peek(tenantId);
    if (!entry) return;
    this.remove(tenantId, 'invalidated');
    await this.settled(entry);
  }

  /** Counters and sizes since boot. */
  stats(): TenantPoolStats {
    let openConnections = this.options.sharedConnections?.() ?? 0;
    let inFlight = 0;
    for (const entry of this.cache.values()) {
      openConnections += entry.connections();
      inFlight += entry.activity();
    }
    for (const entry of this.disposing) {
      openConnections += entry.connections();
      inFlight += entry.activity();
    }
    return {
      size: this.cache.size,
      max: this.options.max,
      ...this.counters,
      disposing: this.disposing.size,
      inFlight,
      openConnections,
    };
  }

  /** Evicts the least recently used client with no work in flight; false when every client is busy. */
  evictIdle(): boolean {
    for (const tenantId of [...this.cache.rkeys()]) {
      const entry = this.cache.peek(tenantId);
      if (entry && entry.activity() === 0) {
        this.remove(tenantId, 'lru');
        return true;
      }
    }
    return false;
  }

  /** Disposes every client, waiting for in-flight work. For application shutdown. */
  async disposeAll(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    for (const tenantId of [...this.cache.keys()]) this.remove(tenantId, 'shutdown');
    await Promise.all([...this.disposing].map((entry) => this.settled(entry)));
  }

  private remove(tenantId: string, reason: EvictionReason): void {
    this.pendingReason = reason;
    try {
      this.cache.delete(tenantId);
    } finally {
      this.pendingReason = undefined;
    }
  }

  private retire(tenantId: string, entry: PooledTenantClient<TClient>, reason: EvictionReason): void {
    this.counters.evictions++;
    this.disposing.add(entry);
    this.logger.debug(`evicted client for tenant "${tenantId}" (${reason})`);
    this.emitEvent({ event: 'evicted', tenantId, reason });
    const done = entry
      .whenIdle()
      .then(() => entry.dispose())
      .catch((error: Error) => this.logger.warn(`disposing client for tenant "${tenantId}" failed: ${error.message}`))
      .finally(() => {
        this.disposing.delete(entry);
        this.counters.disposed++;
        this.emitEvent({ event: 'disposed', tenantId });
      });
    this.finishing.set(entry, done);
  }

  private settled(entry: PooledTenantClient<TClient>): Promise<void> {
    return this.finishing.get(entry) ?? Promise.resolve();
  }

  private emitEvent(payload: TenantPoolEventPayload): void {
    this.emit(payload.event, payload);
  }
}
