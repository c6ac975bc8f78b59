import type { TenancyRequest } from '../../resolvers/tenant-resolver.interface';
import { toTenancyRequest } from '../../resolvers/tenancy-request.factory';

type Bag = Record<string, unknown>;

/**
 * Where a GraphQL operation came from, read from the GraphQL context (the
 * resolver's third argument): an HTTP request, or a WebSocket connection with
 * the parameters its client sent in `connection_init` and the HTTP upgrade
 * request that opened it.
 * @internal
 */
export type GraphqlOrigin =
  | { transport: 'http'; request: unknown }
  | { transport: 'ws'; connectionParams: unknown; upgrade: unknown; user: unknown }
  | { transport: 'none' };

const isBag = (value: unknown): value is Bag => typeof value === 'object' && value !== null;

// graphql-ws's own `Context` (connectionParams, extra, subscriptions...): the
// GraphQL context itself when the app's `context` returns it, or its `req`
// when Nest's Apollo driver wrapped it (`{ req: ctx }`, its default).
function graphqlWsContext(context: Bag): Bag | undefined {
  for (const candidate of [context, context.req]) {
    if (isBag(candidate) && 'connectionInitReceived' in candidate && 'extra' in candidate) return candidate;
  }
  return undefined;
}

/**
 * Finds the origin of an operation in its GraphQL context, for the drivers
 * `@nestjs/graphql` ships:
 * - Apollo, HTTP: `{ req }` (Express or Fastify request), set by the driver
 *   whatever the app's `context` returns.
 * - Apollo, graphql-ws: `{ req: ctx }` where `ctx` is graphql-ws's context
 *   (`ctx.connectionParams`, `ctx.extra.request`), or what the app's `context`
 *   returned, when it keeps `connectionParams`.
 * - Mercurius, HTTP: `{ req, reply }`; over WebSocket: `{ request,
 *   _connectionInit }`, the upgrade request and the `connection_init` payload.
 * @internal
 */
export function graphqlOrigin(context: unknown): GraphqlOrigin {
  if (!isBag(context)) return { transport: 'none' };
  const ws = graphqlWsContext(context);
  if (ws) {
    const extra = isBag(ws.extra) ? ws.extra : {};
    return { transport: 'ws', connectionParams: ws.connectionParams, upgrade: extra.request, user: context.user };
  }
  // Mercurius keeps the connection_init payload here, and the upgrade request as `request`.
  if ('_connectionInit' in context)
    return {
      transport: 'ws',
      connectionParams: context._connectionInit,
      upgrade: context.request,
      user: context.user,
    };
  if ('connectionParams' in context) {
    const extra = isBag(context.extra) ? context.extra : {};
    return {
      transport: 'ws',
      connectionParams: context.connectionParams,
      upgrade: extra.request ?? context.req ?? context.request,
      user: context.user,
    };
  }
  const reply = isBag(context.reply) ? context.reply : {};
  const request = context.req ?? context.request ?? reply.request;
  return isBag(request) ? { transport: 'http', request } : { transport: 'none' };
}

/**
 * The headers a client put in its connection parameters: `{ headers: {...} }`,
 * or the parameters themselves when they have no `headers` object (as
 * Mercurius reads them). Names lower-cased; values as sent, so a number or an
 * object reaches the resolvers and is refused there, never ignored.
 */
function connectionHeaders(params: unknown): Bag {
  if (!isBag(params) || Array.isArray(params)) return {};
  const source = isBag(params.headers) && !Array.isArray(params.headers) ? params.headers : params;
  const headers: Bag = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    const key = name.toLowerCase();
    // Two spellings of one name (`X-Tenant-Id` and `x-tenant-id`) are a repeated header.
    headers[key] = key in headers ? [headers[key], value].flat() : value;
  }
  return headers;
}

/**
 * The request-shaped view of a WebSocket operation that the configured
 * resolvers read: host and path of the upgrade request, its headers with the
 * connection parameters' headers over them, and the GraphQL context's `user`
 * (what the app's `context` or Mercurius's `onConnect` returned) or else the
 * upgrade request's. A header named by both with different values becomes a
 * repeated header, which the header resolver refuses: neither source wins.
 * @internal
 */
export function connectionRequest(
  origin: Extract<GraphqlOrigin, { transport: 'ws' }>,
  withParams: boolean,
): TenancyRequest {
  const request = toTenancyRequest(origin.upgrade ?? {});
  if (origin.user !== undefined) request.user = origin.user;
  if (!withParams) return request;
  const headers = { ...request.headers } as Bag;
  for (const [name, value] of Object.entries(connectionHeaders(origin.connectionParams))) {
    const upgrade = headers[name];
    headers[name] = upgrade === undefined || sameValue(upgrade, value) ? value : [upgrade, value].flat();
  }
  request.headers = headers as TenancyRequest['headers'];
  return request;
}

// Mercurius copies the connection parameters into the upgrade request's headers
// where it had none: the same value seen twice is one header, not a repeat.
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (Array.isArray(a) && a.length === 1 && a[0] === b);
}
