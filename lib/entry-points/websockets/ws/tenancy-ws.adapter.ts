import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { TenancyHandshake } from '../tenancy-handshake';
import { resolveWebSocketOptions, type WebSocketTenancyOptions } from '../websocket.options';
import { WS_TENANCY_CLOSE_CODE_BASE } from '../ws-transport-error';

type ConnectCallback = (client: WebSocket, request: IncomingMessage) => void;
interface ConnectionSource {
  on(event: 'connection', listener: (client: WebSocket, request: IncomingMessage) => void): unknown;
}

/** RFC 6455: "an unexpected condition prevented the server from fulfilling the request". */
const INTERNAL_ERROR_CLOSE_CODE = 1011;

/**
 * `WsAdapter` (`@nestjs/platform-ws`) that checks each socket's tenant when it
 * connects, from the upgrade request (the only moment it exists on ws): the
 * module's resolvers on its headers, host and path, and `queryParam` when set.
 * A socket naming no tenant, or a malformed, unknown or inactive one, is
 * closed with `WS_TENANCY_CLOSE_CODE_BASE + status` (4400, 4403, 4404) and the
 * error code as the reason; the gateways never see it. An admitted socket's
 * messages run in its tenant, checked again on each (the 'ws' entry point).
 *
 * The socket is paused while the check runs, so messages a client sends right
 * after opening wait for it instead of being lost or handled early; then the
 * gateways' `handleConnection` runs, inside the tenant.
 *
 * ```ts
 * app.useWebSocketAdapter(new TenancyWsAdapter(app, { queryParam: 'tenant' }));
 * ```
 */
export class TenancyWsAdapter extends WsAdapter {
  private readonly handshake: TenancyHandshake;
  // Nest binds each gateway of a server separately; one check per socket serves them all.
  private readonly gateways = new WeakMap<object, ConnectCallback[]>();

  constructor(
    app: INestApplicationContext,
    options?: WebSocketTenancyOptions,
    adapterOptions?: ConstructorParameters<typeof WsAdapter>[1],
  ) {
    super(app, adapterOptions);
    this.handshake = new TenancyHandshake(app, resolveWebSocketOptions(options, 'TenancyWsAdapter'));
  }

  /** Nest calls it once per gateway of a server; the check runs once per socket for all of them. @internal */
  override bindClientConnect(server: ConnectionSource, callback: ConnectCallback): void {
    const callbacks = this.gateways.get(server);
    if (callbacks) {
      callbacks.push(callback);
      return;
    }
    const list = [callback];
    this.gateways.set(server, list);
    server.on('connection', (client, request) => void this.admit(client, request, list));
  }

  private async admit(client: WebSocket, request: IncomingMessage, callbacks: ConnectCallback[]): Promise<void> {
    client.pause();
    let tenant;
    try {
      tenant = await this.handshake.admit(client, request, undefined);
    } catch (error) {
      const body = this.handshake.refusal(error);
      // Resumed so the closing handshake can complete; frames sent meanwhile have no listener and are dropped.
      client.resume();
      if (body) client.close(WS_TENANCY_CLOSE_CODE_BASE + body.statusCode, body.error);
      else client.close(INTERNAL_ERROR_CLOSE_CODE, 'INTERNAL_ERROR');
      return;
    }
    this.handshake.runAs(tenant, () => {
      for (const callback of callbacks) callback(client, request);
    });
    client.resume();
  }
}
