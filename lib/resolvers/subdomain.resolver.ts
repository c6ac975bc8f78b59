import { isIP } from 'node:net';
import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import { normalizeHostname } from './tenancy-request.factory';
import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** Options of `SubdomainTenantResolver`. */
export interface SubdomainTenantResolverOptions {
  /**
   * The base domain under which tenants live, for example `example.com`. Only
   * hosts of the form `<tenant>.<baseDomain>` match (one label, so
   * `a.b.example.com` does not). Default: none, the first label of any host
   * with at least three labels.
   */
  baseDomain?: string;
  /**
   * First labels that are never tenants, compared case-insensitively. Default:
   * `['www']`, because `www.example.com` is conventionally the public site.
   */
  ignore?: string[];
}

/**
 * Reads the tenant id from the first label of the host name:
 * `acme.example.com` → `acme`. The host comes from `TenancyRequest.hostname`
 * (port removed, lower-cased), so `X-Forwarded-Host` counts only when the
 * platform trusts the proxy. IP addresses and `localhost` never match.
 *
 * Refused with `InvalidTenantIdError` (400), never resolved nor passed on to
 * the next resolver: a request whose absolute-form target names another host
 * than the one the tenant would be read from (`GET http://globex.example.com/x`
 * with `Host: acme.example.com`: RFC 9112 says the target wins, many proxies
 * route by `Host`, so the two could disagree about the tenant); a request with
 * two `Host` headers (RFC 9112 requires a 400; Node keeps the first); a host
 * taken from an `X-Forwarded-Host` that lists several different hosts
 * (Express takes the first, Fastify the last, a proxy may add its own); and an
 * empty first label (`.example.com`).
 */
export class SubdomainTenantResolver implements TenantResolver {
  private readonly suffix?: string;
  private readonly ignore: ReadonlySet<string>;

  constructor(options: SubdomainTenantResolverOptions = {}) {
    const base = options.baseDomain?.toLowerCase().replace(/^\.+|\.+$/g, '');
    this.suffix = base ? `.${base}` : undefined;
    this.ignore = new Set((options.ignore ?? ['www']).map((label) => label.toLowerCase()));
  }

  resolve(request: TenancyRequest): string | undefined {
    if (Array.isArray(request.headers.host) && request.headers.host.length > 1) {
      throw new InvalidTenantIdError('The request has more than one Host header.');
    }
    if (fromAmbiguousForwardedHost(request)) {
      throw new InvalidTenantIdError('X-Forwarded-Host names more than one host.');
    }
    // A fully qualified name may end with a dot (`acme.example.com.`).
    const named = request.hostname.replace(/\.$/, '');
    const target = request.authority?.replace(/\.$/, '');
    if (named && target !== undefined && target !== named) {
      throw new InvalidTenantIdError('The request target names another host than the Host header.');
    }
    // Without a Host header (HTTP/1.0), an absolute-form target is the only host named.
    const host = named || (target ?? '');
    if (!host || isIP(host) !== 0) return undefined;

    let label: string;
    if (this.suffix) {
      if (!host.endsWith(this.suffix)) return undefined;
      label = host.slice(0, -this.suffix.length);
      if (label.includes('.')) return undefined;
    } else {
      const labels = host.split('.');
      if (labels.length < 3) return undefined;
      label = labels[0];
    }
    if (label === '') throw new InvalidTenantIdError('The tenant label of the host name is empty.');
    return this.ignore.has(label) ? undefined : label;
  }
}

/**
 * Whether the platform took the host from an `X-Forwarded-Host` listing
 * different hosts (`globex.example.com, acme.example.com`): the platform
 * trusts the proxy (the host is not `Host`'s), and which entry is the real
 * one depends on the platform and the proxies, so no tenant can be read from it.
 */
function fromAmbiguousForwardedHost(request: TenancyRequest): boolean {
  const forwarded = request.headers['x-forwarded-host'];
  if (forwarded === undefined) return false;
  const hosts = new Set(
    ([] as string[])
      .concat(forwarded)
      .flatMap((value) => value.split(','))
      .map((value) => normalizeHostname(value).replace(/\.$/, '')),
  );
  if (hosts.size < 2) return false;
  const host = request.headers.host;
  const fromHost = typeof host === 'string' ? normalizeHostname(host) : undefined;
  return request.hostname !== fromHost && hosts.has(request.hostname.replace(/\.$/, ''));
}
