/** Thrown to a connection request whose tenant kept all its connections busy for the whole wait. */
export class TenantShareExhausted extends Error {
  constructor(
    readonly tenantMax: number,
    readonly waitedMs: number,
  ) {
    super(`the tenant's ${tenantMax} connections stayed in use for ${waitedMs} ms`);
    this.name = 'TenantShareExhausted';
  }
}

/** Gives a connection slot back (safe to call twice). */
export type ShareRelease = () => void;

interface Waiter {
  grant: (release: ShareRelease) => void;
  fail: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Line {
  held: number;
  readonly waiters: Waiter[];
}

/**
 * How many connections each tenant holds in a pool that several tenants (or
 * several pools of one tenant) draw from, with a cap per tenant: a tenant at
 * its cap waits in its own line (first come, first served) for one of its own
 * connections, so it can never take the others' share. A tenant's line exists
 * only while it holds or waits for a connection, so thousands of tenants cost
 * nothing once they are quiet.
 */
export class TenantConnectionShares {
  private readonly lines = new Map<string, Line>();
  private closed?: Error;

  /** @param max most connections one tenant holds at once. */
  constructor(readonly max: number) {}

  /** A slot for `tenantId` now, or undefined when the tenant is at its cap (or others of it wait already). */
  take(tenantId: string): ShareRelease | undefined {
    let line = this.lines.get(tenantId);
    if (!line) {
      line = { held: 0, waiters: [] };
      this.lines.set(tenantId, line);
    } else if (line.held >= this.max || line.waiters.length > 0) {
      return undefined;
    }
    line.held++;
    return this.releaser(tenantId, line);
  }

  /**
   * Waits in the tenant's line for a slot at most `waitMs`. `queued` runs once
   * the request is in line (so a caller can make room, e.g. close the tenant's
   * idle connections elsewhere).
   * @throws TenantShareExhausted after `waitMs`.
   */
  wait(tenantId: string, waitMs: number, queued?: () => void): Promise<ShareRelease> {
    if (this.closed) return Promise.reject(this.closed);
    const taken = this.take(tenantId);
    if (taken) return Promise.resolve(taken);
    const line = this.lines.get(tenantId)!;
    return new Promise<ShareRelease>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, fail: reject };
      waiter.timer = setTimeout(() => {
        const index = line.waiters.indexOf(waiter);
        if (index !== -1) line.waiters.splice(index, 1);
        this.forget(tenantId, line);
        reject(new TenantShareExhausted(this.max, waitMs));
      }, waitMs);
      line.waiters.push(waiter);
      queued?.();
    });
  }

  /** Connections the tenant holds now (its slots). */
  held(tenantId: string): number {
    return this.lines.get(tenantId)?.held ?? 0;
  }

  /** Requests of the tenant waiting for a slot now. */
  waiting(tenantId: string): number {
    return this.lines.get(tenantId)?.waiters.length ?? 0;
  }

  /** Fails every waiter with `error` and refuses new ones, for shutdown. */
  close(error: Error): void {
    this.closed = error;
    for (const [tenantId, line] of this.lines) {
      for (const waiter of line.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.fail(error);
      }
      this.forget(tenantId, line);
    }
  }

  private releaser(tenantId: string, line: Line): ShareRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = line.waiters.shift();
      if (next) {
        // Handed over directly: `held` stays, and no newcomer of the tenant overtakes the line.
        clearTimeout(next.timer);
        next.grant(this.releaser(tenantId, line));
        return;
      }
      line.held--;
      this.forget(tenantId, line);
    };
  }

  private forget(tenantId: string, line: Line): void {
    if (line.held === 0 && line.waiters.length === 0 && this.lines.get(tenantId) === line) this.lines.delete(tenantId);
  }
}
