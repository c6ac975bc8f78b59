import { type ShareRelease, TenantConnectionShares } from '../../pool/tenant-connection-shares';

/** Thrown to a connection that waited its full time for a budget slot. */
export class ConnectionBudgetExhausted extends Error {
  constructor(
    readonly capacity: number,
    readonly waitedMs: number,
  ) {
    super(`all ${capacity} connections of the database budget stayed in use for ${waitedMs} ms`);
    this.name = 'ConnectionBudgetExhausted';
  }
}

interface Waiter {
  grant: () => void;
  fail: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

const closedError = () =>
  new Error('nestjs-prisma-tenancy: the connection budget is closed (the app is shutting down)');

/** The tenant a connection is for, so it never holds more than `max` across its pools. */
export interface TenantClaim {
  tenantId: string;
  /** The tenant's pool size. */
  max: number;
  /** Runs when the connection waits for one of the tenant's own: close the tenant's idle connections elsewhere. */
  queued?: () => void;
}

/**
 * The one count of physical connections open to tenant databases, across
 * every tenant's pool. A connection takes a slot before it dials and gives it
 * back when its socket has closed, so the count can run ahead of the server's
 * but never behind it. When no slot is free, `reclaim` is asked to close idle
 * tenants, and the caller waits in line (first come, first served) at most
 * `waitMs` before giving up.
 *
 * It also counts each tenant's connections across all its pools: a client
 * evicted while busy keeps its pool until its work is done, and the tenant's
 * next client has a pool of its own, so without this count one tenant could
 * hold twice its pool size (and more, evicted again and again). A connection
 * of a tenant at its pool size waits for one of the tenant's own to close,
 * within the same `waitMs`.
 */
export class ConnectionBudget {
  private used = 0;
  private highWater = 0;
  private readonly waiters: Waiter[] = [];
  private closed = false;
  // Created by the first claim: every tenant pool of a strategy has the same size.
  private shares?: TenantConnectionShares;

  constructor(
    readonly capacity: number,
    private readonly waitMs: number,
    private readonly reclaim: () => void,
  ) {}

  /**
   * Resolves with the function that frees the slot (safe to call twice).
   * With `tenant`, first waits (within the same `waitMs`) until the tenant
   * holds fewer than `tenant.max` connections.
   * @throws ConnectionBudgetExhausted after `waitMs` without a free slot.
   * @throws TenantShareExhausted after `waitMs` with the tenant at its size.
   */
  async acquire(tenant?: TenantClaim): Promise<() => void> {
    if (this.closed) throw closedError();
    let share: ShareRelease | undefined;
    let waitMs = this.waitMs;
    if (tenant) {
      const shares = (this.shares ??= new TenantConnectionShares(tenant.max));
      share = shares.take(tenant.tenantId);
      if (!share) {
        const started = Date.now();
        share = await shares.wait(tenant.tenantId, this.waitMs, tenant.queued);
        waitMs = Math.max(0, this.waitMs - (Date.now() - started));
      }
    }
    try {
      if (this.closed) throw closedError();
      if (this.used < this.capacity && this.waiters.length === 0) {
        this.take();
      } else {
        await this.wait(waitMs);
      }
    } catch (error) {
      share?.();
      throw error;
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.free();
      share?.();
    };
  }

  /** Connections the tenant holds now, across its pools (0 for a tenant never claimed). */
  tenantHeld(tenantId: string): number {
    return this.shares?.held(tenantId) ?? 0;
  }

  /** Connections of the tenant waiting for one of its own to close. */
  tenantWaiting(tenantId: string): number {
    return this.shares?.waiting(tenantId) ?? 0;
  }

  /** Slots held now. */
  inUse(): number {
    return this.used;
  }

  /** Most slots ever held at once, for tests and metrics. */
  peak(): number {
    return this.highWater;
  }

  /** Connections waiting for a slot now. */
  waiting(): number {
    return this.waiters.length;
  }

  /** Fails every waiter at once, for shutdown. Slots still held are freed as their sockets close. */
  close(): void {
    this.closed = true;
    this.shares?.close(closedError());
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(closedError());
    }
  }

  private wait(waitMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, fail: reject };
      waiter.timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(new ConnectionBudgetExhausted(this.capacity, this.waitMs));
      }, waitMs);
      this.waiters.push(waiter);
      // After queueing, so reclaim can see how many slots are wanted.
      this.reclaim();
    });
  }

  private take(): void {
    this.used++;
    this.highWater = Math.max(this.highWater, this.used);
  }

  private free(): void {
    const next = this.waiters.shift();
    if (next) {
      // Handed over directly: `used` stays, and no newcomer can overtake the line.
      clearTimeout(next.timer);
      next.grant();
      return;
    }
    this.used--;
  }
}
