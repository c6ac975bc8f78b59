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
 * No user (`req.user` unset or `null`), or a claim the user does not have,
 * resolves to nothing. A claim that is present but unusable is an
 * `InvalidTenantIdError` (400): `null`, `''`, a number, an array of tenants, an
 * object, or a dot path that runs into a non-object (`org: 'acme'` for
 * `org.id`). Falling through to the next resolver would let a header override
 * what the token says.
 */
export class ClaimTenantResolver implements TenantResolver {
  private readonly path: readonly string[];

  constructor(options: ClaimTenantResolverOptions = {}) {
    this.path = (options.claim ?? 'tenantId').split('.');
  }

  resolve(request: TenancyRequest): string | undefined {
    let value: unknown = request.user;
    if (value === undefined || value === null) return undefined;
    for (const key of this.path) {
      if (typeof value !== 'object' || value === null) throw unusable();
      value = (value as Record<string, unknown>)[key];
      if (value === undefined) return undefined;
    }
    if (typeof value !== 'string' || value === '') throw unusable();
    return value;
  }
}

function unusable(): InvalidTenantIdError {
  return new InvalidTenantIdError('The tenant claim of the authenticated user is present but not a tenant id.');
}
