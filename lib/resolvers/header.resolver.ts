import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** Options of `HeaderTenantResolver`. */
export interface HeaderTenantResolverOptions {
  /** Header name, case-insensitive. Default: `x-tenant-id`. */
  header?: string;
}

/**
 * Reads the tenant id from a request header, `x-tenant-id` by default.
 *
 * A header sent more than once is rejected with `InvalidTenantIdError` rather
 * than resolved: picking one of two values would let a proxy and the app
 * disagree about which tenant a request belongs to. An empty value counts as
 * no value, so the next resolver is tried.
 */
export class HeaderTenantResolver implements TenantResolver {
  private readonly header: string;

  constructor(options: HeaderTenantResolverOptions = {}) {
    this.header = (options.header ?? 'x-tenant-id').toLowerCase();
  }

  resolve(request: TenancyRequest): string | undefined {
    const value = request.headers[this.header];
    if (Array.isArray(value)) {
      if (value.length > 1) throw new InvalidTenantIdError('The tenant id header was sent more than once.');
      return value[0] || undefined;
    }
    return value || undefined;
  }
}
