/** Thrown to a connection that waited its full time for a budget slot. */
export class ConnectionBudgetExhausted extends Error {
  constructor(readonly capacity: number, readonly waitedMs: number) {
    super(`all ${capacity} connections of the database budget stayed in use for ${waitedMs} ms`);
    this.name = 'ConnectionBudgetExhausted';
  }
}

interface Waiter {
  grant: () => void;
  fail: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

const closedError = () => new Error('nestjs-prisma-tenancy: the connection budget is closed (the app is shutting down)');

/**
 * The one count of physical connections open to tenant databases, across
 * every tenant's pool. A connection takes a slot before it dials and gives it
 * back when its socket has closed, so the count can run ahead of the server's
 * but never behind it. When no slot is free, `reclaim` is asked to close idle
 * tenants, and the caller waits in line (first come, first served) at most
 * `waitMs` before giving up.
 */
export class ConnectionBudget {
  private used = 0;
  private highWater = 0;
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    readonly capacity: number,
    private readonly waitMs: number,
    private readonly reclaim: () => void,
  ) {}

  /**
   * Resolves with the function that frees the slot (safe to call twice).
   * @throws ConnectionBudgetExhausted after `waitMs` without a free slot.
   */
  async acquire(): Promise<() => void> {
    if (this.closed) throw closedError();
    if (this.used < this.capacity && this.waiters.length === 0) {
      this.take();
    } else {
      await this.wait();
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.free();
    };
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
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(closedError());
    }
  }

  private wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, fail: reject };
      waiter.timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(new ConnectionBudgetExhausted(this.capacity, this.waitMs));
      }, this.waitMs);
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
