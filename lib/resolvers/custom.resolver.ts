import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** The function a custom resolver wraps. */
export type TenantResolverFunction = (request: TenancyRequest) => string | undefined | Promise<string | undefined>;

/**
 * Wraps a plain function as a `TenantResolver`, for `{ type: 'custom', resolve }`.
 * Whatever it returns still goes through `TenantResolution` (an empty string
 * counts as nothing; a non-string is an `InvalidTenantIdError`) and then the
 * guard's validation and lookup, so it need not validate.
 */
export class CustomTenantResolver implements TenantResolver {
  constructor(private readonly fn: TenantResolverFunction) {}

  resolve(request: TenancyRequest): string | undefined | Promise<string | undefined> {
    return this.fn(request);
  }
}
