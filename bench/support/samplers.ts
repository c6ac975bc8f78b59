import { Client } from 'pg';

/**
 * Samples, at a fixed interval on its own connection, how many backends the
 * app role has open on the given databases (pg_stat_activity; the sampler's
 * own connection is excluded). Keeps the peak and every sample.
 */
export class PgConnectionSampler {
  peak = 0;
  samples = 0;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<number>;
  private client?: Client;

  constructor(
    private readonly adminUrl: string,
    private readonly role: string,
    private readonly databases: readonly string[],
    private readonly intervalMs = 20,
  ) {}

  async start(): Promise<void> {
    this.client = new Client({ connectionString: this.adminUrl });
    await this.client.connect();
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  /** One sample now; returns the count. */
  sample(): Promise<number> {
    if (!this.client) return Promise.resolve(this.peak);
    if (this.inFlight) return this.inFlight;
    const client = this.client;
    this.inFlight = (async () => {
      try {
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND datname = ANY($2) AND pid <> pg_backend_pid()',
          [this.role, this.databases],
        );
        this.samples++;
        this.peak = Math.max(this.peak, rows[0].n);
        return rows[0].n;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Resets the peak (e.g. between phases). */
  reset(): void {
    this.peak = 0;
    this.samples = 0;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    await this.client?.end();
    this.client = undefined;
  }
}

/** Calls `read()` at a fixed interval and keeps the largest value (for in-process numbers such as RSS or pool stats). */
export class PeakSampler {
  peak = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly read: () => number,
    private readonly intervalMs = 10,
  ) {}

  start(): this {
    this.poke();
    this.timer = setInterval(() => this.poke(), this.intervalMs);
    return this;
  }

  /** Takes a sample now (also call it from hot paths whose peak the timer could miss). */
  poke(): void {
    const value = this.read();
    if (value > this.peak) this.peak = value;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poke();
    return this.peak;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Whether `--expose-gc` was given. */
export const gcExposed = typeof gc === 'function';

/** Full garbage collection (twice, so finalizers' garbage goes too) when exposed; then RSS and heap figures in MB. */
export async function settledMemory(): Promise<{
  rssMb: number;
  heapMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}> {
  await new Promise((resolve) => setImmediate(resolve));
  if (gc) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const m = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return { rssMb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
}

export function rssMb(): number {
  return process.memoryUsage.rss() / 1024 / 1024;
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
