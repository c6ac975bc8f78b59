import { Client, type ClientConfig } from 'pg';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { DEFAULT_REGISTRY_CHANNEL, isPlainIdentifier, quoteIdent } from './registry.constants';

/** Options of `RegistryInvalidationListener`. */
export interface RegistryInvalidationListenerOptions {
  /**
   * The registry database: a URL or a pg client config. LISTEN needs a session
   * of its own, so point it at PostgreSQL directly, not at PgBouncer in
   * transaction pooling.
   */
  connection: string | ClientConfig;
  /** Channel the store notifies (its `notifyChannel`). Default: `tenancy_tenants`. */
  channel?: string;
  /** Called with the tenant id of each change, typically `(id) => tenantCache.invalidate(id)`. */
  onInvalidate: (tenantId: string) => void;
  /**
   * Called after the connection was lost and listening again: changes made
   * meanwhile were not heard, so forget every cached tenant (`tenantCache.clear()`).
   * Default: none.
   */
  onResync?: () => void;
  /** Told of lost connections and failed reconnects (the listener keeps retrying). Default: none. */
  onError?: (error: Error) => void;
  /** Wait before the first reconnect, in ms; doubles on each failure. Default: `250`. */
  reconnectDelayMs?: number;
  /** Longest wait between reconnects, in ms. Default: `30000`. */
  maxReconnectDelayMs?: number;
  /**
   * Ping the connection this often (ms); a ping unanswered for as long counts
   * as a lost connection, so a silently dropped one (NAT, failover) is noticed.
   * `0` disables. Default: `30000`.
   */
  healthCheckIntervalMs?: number;
}

/**
 * LISTENs for the registry's NOTIFYs on a dedicated connection and hands each
 * tenant id to `onInvalidate`, so a change made by any process reaches this
 * process's tenant cache. Reconnects with exponential backoff (and jitter)
 * when the connection is lost, calling `onResync` once listening again.
 */
export class RegistryInvalidationListener {
  private readonly channel: string;
  private readonly config: ClientConfig;
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private stopped = true;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private health: NodeJS.Timeout | undefined;

  constructor(private readonly options: RegistryInvalidationListenerOptions) {
    this.channel = options.channel ?? DEFAULT_REGISTRY_CHANNEL;
    if (!isPlainIdentifier(this.channel))
      throw new TenancyConfigError('registry.channel', 'expected a plain SQL identifier');
    this.config =
      typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
  }

  /** Whether the LISTEN is in place right now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs; rejects if that first attempt fails (later losses are retried). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    try {
      await this.connect();
    } catch (error) {
      this.stopped = true;
      throw error;
    }
  }

  /** Stops listening and retrying; resolves once the connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.health);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connecting = this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client(this.config);
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('registry listener connection ended')));
    client.on('notification', ({ channel, payload }) => {
      if (channel === this.channel && payload) this.safely(() => this.options.onInvalidate(payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.client = client;
    this.attempt = 0;
    const interval = this.options.healthCheckIntervalMs ?? 30_000;
    if (interval > 0) this.health = setInterval(() => this.ping(client, interval), interval).unref();
  }

  private ping(client: Client, timeoutMs: number): void {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`registry listener ping unanswered after ${timeoutMs} ms`)),
        timeoutMs,
      ).unref();
    });
    Promise.race([client.query('SELECT 1'), timeout])
      .catch((error: Error) => this.lost(client, error))
      .finally(() => clearTimeout(timer));
  }

  /** The current client failed: drop it (without waiting on a dead socket) and retry. */
  private lost(client: Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.health);
    client.end().catch(() => undefined);
    this.safely(() => this.options.onError?.(error));
    if (!this.stopped) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const base = this.options.reconnectDelayMs ?? 250;
    const max = this.options.maxReconnectDelayMs ?? 30_000;
    // Exponential backoff with jitter, so many instances cut off at once do not reconnect in step.
    const delay = Math.min(max, base * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.retry = setTimeout(() => {
      if (this.stopped) return;
      this.connect().then(
        () => this.client && this.safely(() => this.options.onResync?.()),
        (error: Error) => {
          this.safely(() => this.options.onError?.(error));
          if (!this.stopped) this.scheduleReconnect();
        },
      );
    }, delay).unref();
  }

  private safely(callback: () => void): void {
    try {
      callback();
    } catch {
      // A throwing callback must not take the listener down with it.
    }
  }
}
