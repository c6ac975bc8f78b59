import type { ExecutionContext } from '@nestjs/common';
import { MissingTenantError } from '../../errors/missing-tenant.error';
import type { TenantEntryPoint } from '../tenant-entry-point.interface';
import { isAdmittedSocket, socketTenantId } from './socket-tenants';
import { toWsException } from './ws-transport-error';

/**
 * The entry point of WebSocket gateways' `@SubscribeMessage` handlers
 * (context type `'ws'`), on socket.io and ws. The tenant is the one the socket
 * named in its handshake, checked when it connected by `TenancyIoAdapter` or
 * `TenancyWsAdapter` (subpaths `nestjs-prisma-tenancy/websockets/socket.io`
 * and `/websockets/ws`). `TenantGuard` looks it up again on every message, so
 * a tenant suspended while its sockets are open is refused on their next
 * message. A socket another adapter accepted was never checked: its messages
 * are refused (`TENANT_REQUIRED`) rather than guessed.
 *
 * Refusals reach the client as a `WsException` whose error is
 * `{ error: code, statusCode, message }`. Part of the defaults.
 */
export function websocketEntryPoint(): TenantEntryPoint {
  return {
    type: 'ws',
    resolveTenantId: (context: ExecutionContext) => {
      const client = context.switchToWs().getClient<unknown>();
      if (!isAdmittedSocket(client))
        throw new MissingTenantError(
          'This socket was not checked when it connected: use TenancyIoAdapter or TenancyWsAdapter ' +
            "(nestjs-prisma-tenancy/websockets/socket.io, /websockets/ws) as the app's WebSocket adapter.",
        );
      return socketTenantId(client);
    },
    toTransportError: (error) => toWsException(error),
  };
}
