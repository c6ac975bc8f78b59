import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import type { TenantResolverOption } from '../options/tenancy-options.interface';
import { TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';
import { ClaimTenantResolver } from './claim.resolver';
import { CustomTenantResolver } from './custom.resolver';
import { HeaderTenantResolver } from './header.resolver';
import { PathTenantResolver } from './path.resolver';
import { SubdomainTenantResolver } from './subdomain.resolver';
import { toTenancyRequest } from './tenancy-request.factory';
import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** Turns one `resolvers` entry into a resolver; a `TenantResolver` instance is used as it is. */
export function createTenantResolver(option: TenantResolverOption): TenantResolver {
  if (!('type' in option)) return option;
  switch (option.type) {
    case 'header':
      return new HeaderTenantResolver(option);
    case 'subdomain':
      return new SubdomainTenantResolver(option);
    case 'path':
      return new PathTenantResolver(option);
    case 'claim':
      return new ClaimTenantResolver(option);
    case 'custom':
      return new CustomTenantResolver(option.resolve);
  }
}

/**
 * Finds the tenant id a request names, by trying the configured resolvers in
 * order: the first that returns a non-empty string wins. It only extracts:
 * validating and looking the id up is `TenantCache.getActive`'s job.
 */
@Injectable()
export class TenantResolution {
  // Built once at boot: resolvers hold no per-request state.
  private readonly resolvers: readonly TenantResolver[];

  constructor(@Inject(TENANCY_RESOLVED_OPTIONS) options: ResolvedTenancyOptions) {
    this.resolvers = options.resolvers.map(createTenantResolver);
  }

  /** The raw tenant id of the HTTP request in `context`, or `undefined` when no resolver found one. */
  resolve(context: ExecutionContext): Promise<string | undefined> {
    return this.resolveRequest(toTenancyRequest(context.switchToHttp().getRequest()));
  }

  /** Same as `resolve`, for an already normalized request. */
  async resolveRequest(request: TenancyRequest): Promise<string | undefined> {
    for (const resolver of this.resolvers) {
      const id: unknown = await resolver.resolve(request);
      if (id === undefined || id === null || id === '') continue;
      // A custom resolver returning a number or an object is a bug upstream;
      // it must not reach the lookup as `[object Object]`.
      if (typeof id !== 'string') throw new InvalidTenantIdError();
      return id;
    }
    return undefined;
  }
}
