import { isIP } from 'node:net';
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
    // A fully qualified name may end with a dot (`acme.example.com.`).
    const host = request.hostname.replace(/\.$/, '');
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
    return label && !this.ignore.has(label) ? label : undefined;
  }
}
