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
import type { TenantEntryPoint } from '../entry-points/tenant-entry-point.interface';
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
  private readonly entryPoints: ReadonlyMap<string, TenantEntryPoint>;

  constructor(@Inject(TENANCY_RESOLVED_OPTIONS) options: ResolvedTenancyOptions) {
    this.resolvers = options.resolvers.map(createTenantResolver);
    this.entryPoints = new Map(options.entryPoints.map((entry) => [entry.type, entry]));
  }

  /**
   * The raw tenant id the call in `context` names, or `undefined` when it names
   * none: for HTTP, from the configured resolvers; for GraphQL, WebSockets and
   * microservices, from the context type's entry point (see `entryPoint`).
   */
  async resolve(context: ExecutionContext): Promise<string | undefined> {
    const type = context.getType();
    if (type === 'http') return this.resolveRequest(toTenancyRequest(context.switchToHttp().getRequest()));
    const id: unknown = await this.entryPoints.get(type)?.resolveTenantId(context, this);
    if (id === undefined || id === null || id === '') return undefined;
    if (typeof id !== 'string') throw new InvalidTenantIdError();
    return id;
  }

  /** The entry point serving non-HTTP calls of `type`, or `undefined` when the app has none for it. */
  entryPoint(type: string): TenantEntryPoint | undefined {
    return this.entryPoints.get(type);
  }

  /** Same as `resolve`, for an already normalized request. */
  async resolveRequest(request: TenancyRequest): Promise<string | undefined> {
    return this.resolveFrom(request, 0);
  }

  /**
   * Same as `resolve`, but synchronous for an HTTP request whose resolvers
   * answer synchronously (header, subdomain, path, claim): the guard's hot
   * path then needs no promise. A promise once a resolver returns one.
   * @internal
   */
  resolveNow(context: ExecutionContext): string | undefined | Promise<string | undefined> {
    if (context.getType() !== 'http') return this.resolve(context);
    return this.resolveFrom(toTenancyRequest(context.switchToHttp().getRequest()), 0);
  }

  // The resolvers from `first` on, in order; continues asynchronously from a resolver that returns a promise.
  private resolveFrom(request: TenancyRequest, first: number): string | undefined | Promise<string | undefined> {
    for (let i = first; i < this.resolvers.length; i++) {
      const answer = this.resolvers[i].resolve(request);
      if (typeof (answer as { then?: unknown } | undefined)?.then === 'function')
        return Promise.resolve(answer).then((id) => (usable(id) ? id : this.resolveFrom(request, i + 1)));
      if (usable(answer)) return answer;
    }
    return undefined;
  }
}

/**
 * Whether a resolver's answer names a tenant: a non-empty string. Nothing
 * (`undefined`, `null`, `''`) lets the next resolver try; anything else is a
 * bug upstream (a custom resolver returning a number or an object) and must
 * not reach the lookup as `[object Object]`.
 */
function usable(id: unknown): id is string {
  if (id === undefined || id === null || id === '') return false;
  if (typeof id !== 'string') throw new InvalidTenantIdError();
  return true;
}
