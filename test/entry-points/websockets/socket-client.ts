import { io, type Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import type { SocketKind } from './gateway-app';

export interface Handshake {
  headers?: Record<string, string | string[]>;
  /** Appended to the URL (socket.io: its `query` option). Arrays repeat the parameter. */
  query?: Record<string, string | string[]>;
  /** socket.io's `auth` payload. */
  auth?: Record<string, unknown>;
  /** socket.io: the transports, polling then websocket by default. */
  transports?: ('polling' | 'websocket')[];
}

export interface Message {
  event: string;
  data: Record<string, unknown>;
}

export interface Refusal {
  /** ws: the close code and reason. */
  code?: number;
  reason?: string;
  /** socket.io: the connect_error's message and data. */
  message?: string;
  data?: unknown;
}

const TIMEOUT_MS = 20_000;

/** Messages a client received, matched by the tests in any order. */
class Inbox {
  private readonly received: Message[] = [];
  private readonly waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  push(message: Message): void {
    const index = this.waiters.findIndex((w) => w.match(message));
    if (index === -1) this.received.push(message);
    else this.waiters.splice(index, 1)[0].resolve(message);
  }

  next(match: (m: Message) => boolean, what: string): Promise<Message> {
    const index = this.received.findIndex(match);
    if (index !== -1) return Promise.resolve(this.received.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Message) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, TIMEOUT_MS);
      this.waiters.push(waiter);
    });
  }
}

/** A connected client of either kind, with the gateway's `{ event, data }` replies in an inbox. */
export class TestSocket {
  readonly inbox = new Inbox();
  readonly closed: Promise<Refusal>;

  constructor(
    private readonly send: (event: string, data: unknown) => void,
    private readonly end: () => void,
    closed: Promise<Refusal>,
  ) {
    this.closed = closed;
  }

  emit(event: string, data: Record<string, unknown>): void {
    this.send(event, data);
  }

  /** The reply to a message (`replyEvent` with the same `ref`), or the next `exception`. */
  async request(event: string, data: { ref: string } & Record<string, unknown>, replyEvent: string): Promise<Message> {
    this.send(event, data);
    return this.inbox.next(
      (m) => (m.event === replyEvent && m.data?.ref === data.ref) || m.event === 'exception',
      `${replyEvent} ${data.ref}`,
    );
  }

  close(): Promise<Refusal> {
    this.end();
    return this.closed;
  }
}

function withQuery(url: string, query: Handshake['query']): string {
  const u = new URL(url);
  for (const [name, value] of Object.entries(query ?? {}))
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(name, v);
  return u.toString();
}

/** ws: resolves once the socket is open (a refusal comes after, as its close). */
export function connectWs(url: string, handshake: Handshake = {}): Promise<TestSocket> {
  const ws = new WebSocket(withQuery(url, handshake.query), { headers: handshake.headers });
  const closed = new Promise<Refusal>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const socket = new TestSocket(
    (event, data) => ws.send(JSON.stringify({ event, data })),
    () => ws.close(),
    closed,
  );
  ws.on('message', (raw) => socket.inbox.push(JSON.parse(String(raw)) as Message));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('error', reject);
  });
}

/** socket.io: the connected socket, or the connect_error. */
export function connectIo(url: string, handshake: Handshake = {}): Promise<TestSocket | Refusal> {
  const client: IoSocket = io(url, {
    reconnection: false,
    forceNew: true,
    extraHeaders: handshake.headers as Record<string, string>,
    query: handshake.query,
    auth: handshake.auth,
    transports: handshake.transports,
  });
  const closed = new Promise<Refusal>((resolve) => client.once('disconnect', (reason) => resolve({ reason })));
  const socket = new TestSocket(
    (event, data) => client.emit(event, data),
    () => client.disconnect(),
    closed,
  );
  client.onAny((event: string, data: Record<string, unknown>) => socket.inbox.push({ event, data }));
  return new Promise((resolve) => {
    client.once('connect', () => resolve(socket));
    client.once('connect_error', (error: Error & { data?: unknown }) => {
      client.close();
      resolve({ message: error.message, data: error.data });
    });
  });
}

/** Connects a client that must be admitted. */
export async function connect(kind: SocketKind, url: string, handshake: Handshake = {}): Promise<TestSocket> {
  const result = kind === 'ws' ? await connectWs(url, handshake) : await connectIo(url, handshake);
  if (!(result instanceof TestSocket)) throw new Error(`refused at connect: ${JSON.stringify(result)}`);
  return result;
}

/** Connects a client that must be refused, and returns how. */
export async function refusal(kind: SocketKind, url: string, handshake: Handshake = {}): Promise<Refusal> {
  if (kind === 'ws') return (await connectWs(url, handshake)).closed;
  const result = await connectIo(url, handshake);
  if (result instanceof TestSocket) {
    await result.close();
    throw new Error('admitted, expected a refusal');
  }
  return result;
}

export async function eventually(check: () => boolean, what: string, timeoutMs = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
