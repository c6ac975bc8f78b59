import type { TenancyError } from '../../errors/tenancy.error';
import { type TenancyErrorBody, tenancyErrorBody } from '../../errors/tenancy-error-body';

/**
 * What a refused socket or message receives: the HTTP body of the same
 * refusal. A message's refusal is a `WsException` with this as its error,
 * which Nest's exception filter emits as the `exception` event (socket.io) or
 * sends as `{ event: 'exception', data }` (ws). A refused socket.io connection
 * gets it as the `connect_error`'s `data`.
 */
export type WsTenancyErrorBody = TenancyErrorBody;

/**
 * A `ws` socket refused at connect is closed with `WS_TENANCY_CLOSE_CODE_BASE
 * + statusCode` (4400 missing or malformed, 4403 inactive, 4404 unknown,
 * 4503 unavailable: codes 4000-4999 are the application's, RFC 6455 7.4.2)
 * and the error code as the reason (`TENANT_NOT_FOUND`). An unexpected
 * failure of the check (the store down) closes with 1011, `INTERNAL_ERROR`.
 */
export const WS_TENANCY_CLOSE_CODE_BASE = 4000;

/** The body of a refusal. @internal */
export function wsErrorBody(error: TenancyError): WsTenancyErrorBody {
  return tenancyErrorBody(error);
}

/**
 * The `WsException` for a refused message. `@nestjs/websockets` is required
 * here, when a refusal happens, and never at load time: the package runs
 * without it (a gateway's call means it is installed).
 * @internal
 */
export function toWsException(error: TenancyError): Error {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WsException } = require('@nestjs/websockets') as typeof import('@nestjs/websockets');
  return new WsException(wsErrorBody(error));
}
