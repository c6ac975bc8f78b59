import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** Options of `ClaimTenantResolver`. */
export interface ClaimTenantResolverOptions {
  /** Property on `req.user`; a dot path (`org.tenant`) reads nested objects. Default: `tenantId`. */
  claim?: string;
}

/**
 * Reads the tenant id from `req.user`, as set by an authentication guard or
 * middleware that ran before `TenantGuard`. It trusts `req.user`: verifying the
 * token is the authentication layer's job.
 *
 * A missing claim resolves to nothing. A claim that is present but not a
 * string (a number, an array of tenants) is an `InvalidTenantIdError`: falling
 * through to the next resolver would let a header override what the token says.
 */
export class ClaimTenantResolver implements TenantResolver {
  private readonly path: readonly string[];

  constructor(options: ClaimTenantResolverOptions = {}) {
    this.path = (options.claim ?? 'tenantId').split('.');
  }

  resolve(request: TenancyRequest): string | undefined {
    let value: unknown = request.user;
    for (const key of this.path) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new InvalidTenantIdError();
    return value;
  }
}
