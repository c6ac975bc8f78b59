import type { IncomingMessage } from 'node:http';
import type { TenancyRequest } from './tenant-resolver.interface';

// The fields read from an Express `Request` or a Fastify `FastifyRequest`; on
// Fastify the Node request is under `raw`, on Express it is the request itself.
interface PlatformRequest {
  raw?: IncomingMessage & { user?: unknown };
  headers?: IncomingMessage['headers'];
  hostname?: string;
  originalUrl?: string;
  url?: string;
  user?: unknown;
}

/**
 * Builds the platform-neutral `TenancyRequest` from an Express or Fastify
 * request object, as `switchToHttp().getRequest()` returns it.
 * @internal
 */
export function toTenancyRequest(platformRequest: unknown): TenancyRequest {
  const req = (platformRequest ?? {}) as PlatformRequest;
  const node = (req.raw ?? req) as Partial<IncomingMessage>;
  // Express rewrites `url` inside routers and sub-apps; `originalUrl` is what the client sent.
  const target = req.originalUrl ?? req.url ?? node.url ?? '/';
  const request: TenancyRequest = {
    headers: normalizeHeaders(req.headers ?? node.headers ?? {}, node),
    hostname: normalizeHostname(req.hostname ?? node.headers?.host ?? ''),
    path: normalizePath(target),
    user: req.user ?? req.raw?.user,
    raw: platformRequest,
  };
  const authority = targetAuthority(target);
  if (authority !== undefined) request.authority = authority;
  return request;
}

/**
 * Node joins a repeated header into one string (`a, b`), which would hide a
 * conflicting tenant id. `headersDistinct` keeps the repeats apart, so a
 * repeated header is handed to resolvers as an array. A value a middleware
 * replaced since parsing is kept as it is.
 */
function normalizeHeaders(
  headers: IncomingMessage['headers'],
  node: Partial<IncomingMessage>,
): TenancyRequest['headers'] {
  // As many names as raw header lines: no name came twice, and `headersDistinct` (a getter
  // that builds a new object from the raw headers on every read) has nothing to add.
  if (node.rawHeaders && node.rawHeaders.length === 2 * Object.keys(headers).length) return headers;
  const distinct = node.headersDistinct;
  if (!distinct) return headers;
  let result: TenancyRequest['headers'] | undefined;
  for (const [name, values] of Object.entries(distinct)) {
    if (!values || values.length < 2) continue;
    // Node keeps only the first `Host` and drops the others (RFC 9112 wants a 400 for two).
    const parsed = name === 'host' ? values[0] : values.join(', ');
    if (headers[name] !== parsed) continue;
    result ??= { ...headers };
    result[name] = values;
  }
  return result ?? headers;
}

/** Lower-cased, port and IPv6 brackets removed: how `TenancyRequest.hostname` is written. @internal */
export function normalizeHostname(host: string): string {
  const value = host.trim().toLowerCase();
  // `[::1]:3000` or `[::1]`: an IPv6 literal, returned without brackets so `isIP` recognises it.
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    return close === -1 ? value.slice(1) : value.slice(1, close);
  }
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/** The host of an absolute-form target (`http://host:port/path`), normalized like `hostname`. */
function targetAuthority(url: string): string | undefined {
  if (url.startsWith('/')) return undefined;
  try {
    const { host } = new URL(url);
    return host ? normalizeHostname(host) : undefined;
  } catch {
    return undefined;
  }
}

function normalizePath(url: string): string {
  let path = url;
  // Absolute-form request targets (`GET http://host/acme HTTP/1.1`) are legal in HTTP/1.1.
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return '/';
    }
  }
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}
