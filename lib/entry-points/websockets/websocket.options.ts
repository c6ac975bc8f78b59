import { TenancyConfigError } from '../../errors/tenancy-config.error';

/**
 * Options of `TenancyWsAdapter` and `TenancyIoAdapter`: where, besides the
 * module's `resolvers`, the handshake may name the tenant. The resolvers
 * (header, subdomain, path, custom...) always run on the handshake request.
 */
export interface WebSocketTenancyOptions {
  /**
   * A query parameter of the connection URL that may name the tenant
   * (`wss://api.example.com/ws?tenant=acme`), for browser clients, which
   * cannot set headers on a WebSocket. Off by default: URLs end up in access
   * logs and proxies' logs, and a tenant the app meant to take from a trusted
   * source (the host name, a header set by a gateway) must not be picked by a
   * parameter the client adds. A repeated or empty parameter is refused.
   * Default: none (the query string is not read).
   */
  queryParam?: string;
  /**
   * Whether a socket that names no tenant is refused at connect
   * (`TENANT_REQUIRED`). With `false` it connects without a tenant: its
   * `@SkipTenant()` handlers run, the others are refused message by message.
   * A named but malformed, unknown or inactive tenant is refused either way.
   * Default: `true`.
   */
  requireTenant?: boolean;
}

/** Options of `TenancyIoAdapter` (socket.io). */
export interface IoTenancyOptions extends WebSocketTenancyOptions {
  /**
   * A field of the socket.io `auth` payload that may name the tenant
   * (`io(url, { auth: { tenantId: 'acme' } })`): how a browser's socket.io
   * client sends credentials. Off by default for the same reason as
   * `queryParam`. A present value that is not a non-empty string is refused.
   * Default: none (the auth payload is not read).
   */
  authField?: string;
}

/** @internal */
export interface ResolvedWebSocketTenancyOptions {
  queryParam: string | undefined;
  authField: string | undefined;
  requireTenant: boolean;
}

function optionalName(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    throw new TenancyConfigError(field, 'expected a non-empty string');
  return value;
}

/** Defaults merged and checked once, when the adapter is built. @internal */
export function resolveWebSocketOptions(
  options: IoTenancyOptions = {},
  where: string,
): ResolvedWebSocketTenancyOptions {
  const { requireTenant = true } = options;
  if (typeof requireTenant !== 'boolean') throw new TenancyConfigError(`${where}.requireTenant`, 'expected a boolean');
  return {
    queryParam: optionalName(options.queryParam, `${where}.queryParam`),
    authField: optionalName(options.authField, `${where}.authField`),
    requireTenant,
  };
}
