import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** Options of `HeaderTenantResolver`. */
export interface HeaderTenantResolverOptions {
  /** Header name, case-insensitive. Default: `x-tenant-id`. */
  header?: string;
}

/**
 * Reads the tenant id from a request header, `x-tenant-id` by default. An
 * absent header resolves to nothing, so the next resolver is tried.
 *
 * A header that is present but unusable is an `InvalidTenantIdError` (400)
 * rather than a fall-through: sent more than once (picking one of two values
 * would let a proxy and the app disagree about which tenant a request belongs
 * to), or sent empty (`x-tenant-id:` names no tenant, and must not let the
 * next resolver pick one either).
 */
export class HeaderTenantResolver implements TenantResolver {
  private readonly header: string;

  constructor(options: HeaderTenantResolverOptions = {}) {
    this.header = (options.header ?? 'x-tenant-id').toLowerCase();
  }

  resolve(request: TenancyRequest): string | undefined {
    const value: unknown = request.headers[this.header];
    if (value === undefined) return undefined;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.length > 1) throw new InvalidTenantIdError('The tenant id header was sent more than once.');
    const [only] = values;
    if (typeof only !== 'string' || only === '') throw new InvalidTenantIdError('The tenant id header is empty.');
    return only;
  }
}
