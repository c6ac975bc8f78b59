import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import { TenancyHandshake } from '../tenancy-handshake';
import { type IoTenancyOptions, resolveWebSocketOptions } from '../websocket.options';
import type { WsTenancyErrorBody } from '../ws-transport-error';

/** The socket.io `Socket` fields read at connect. */
interface HandshakingSocket {
  request: IncomingMessage;
  handshake: { auth?: unknown };
}
type Next = (error?: Error) => void;
interface MiddlewareHost {
  use(middleware: (socket: HandshakingSocket, next: Next) => void): unknown;
}

/**
 * The error a refused socket.io client receives as `connect_error`: its
 * `message` is the refusal's, its `data` the body (`{ error, statusCode,
 * message }`), as socket.io sends a middleware's error.
 */
export type TenancyConnectError = Error & { data?: WsTenancyErrorBody };

/**
 * `IoAdapter` (`@nestjs/platform-socket.io`) that checks each socket's tenant
 * when it connects, in a namespace middleware, from the handshake: the
 * module's resolvers on its headers and host, and `queryParam` and
 * `authField` when set. A socket naming no tenant, or a malformed, unknown or
 * inactive one, is refused: the client gets a `connect_error` whose `data` is
 * `{ error: code, statusCode, message }`, and the gateways never see it. An
 * admitted socket's messages run in its tenant, checked again on each (the
 * 'ws' entry point); `handleConnection` runs inside the tenant.
 *
 * ```ts
 * app.useWebSocketAdapter(new TenancyIoAdapter(app, { authField: 'tenantId' }));
 * ```
 *
 * An adapter of your own (a Redis adapter overriding `createIOServer`) extends
 * this class instead of `IoAdapter`.
 */
export class TenancyIoAdapter extends IoAdapter {
  private readonly handshake: TenancyHandshake;
  // Nest binds each gateway of a namespace separately; the middleware goes in once.
  private readonly guarded = new WeakSet<object>();

  constructor(app: INestApplicationContext, options?: IoTenancyOptions) {
    super(app);
    this.handshake = new TenancyHandshake(app, resolveWebSocketOptions(options, 'TenancyIoAdapter'));
  }

  /** Nest calls it once per gateway of a namespace; the middleware goes in once. @internal */
  override bindClientConnect(server: MiddlewareHost, callback: (...args: unknown[]) => void): void {
    if (!this.guarded.has(server)) {
      this.guarded.add(server);
      server.use((socket, next) => this.admit(socket, next));
    }
    super.bindClientConnect(server, callback);
  }

  private admit(socket: HandshakingSocket, next: Next): void {
    this.handshake.admit(socket, socket.request, socket.handshake.auth).then(
      // socket.io connects the socket on the next tick of this call (process.nextTick keeps
      // the async context), and Nest calls handleConnection from there: inside the tenant.
      (tenant) => this.handshake.runAs(tenant, () => next()),
      (error: unknown) => {
        const body = this.handshake.refusal(error);
        const refusal: TenancyConnectError = new Error(body?.message ?? 'Internal server error');
        if (body) refusal.data = body;
        next(refusal);
      },
    );
  }
}
