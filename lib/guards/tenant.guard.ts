import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TenantContext } from '../context/tenant-context.service';
import { MissingTenantError } from '../errors/missing-tenant.error';
import { TenantResolution } from '../resolvers/tenant-resolution.service';
import { TenantCache } from '../store/tenant-cache.service';
import type { Tenant } from '../store/tenant.interface';
import { SKIP_TENANT_METADATA } from '../tenancy.constants';
import { enterRequestContext } from './request-context';

/**
 * Resolves the tenant of each HTTP request, checks it, and makes it current.
 *
 * Registered globally by `TenancyModule` (unless `globalGuard: false`), or
 * placed with `@UseGuards(TenantGuard)`. For every HTTP request that is not
 * marked `@SkipTenant()` it: resolves the id (no id → `MissingTenantError`,
 * 400); validates and looks it up through `TenantCache` (malformed → 400,
 * unknown → 404, not active → 403); sets it in the CLS context, where
 * `TenantContext`, `@CurrentTenant()` and the Prisma client read it.
 *
 * Non-HTTP contexts (microservices, WebSockets, GraphQL) pass through
 * untouched: there is no request shape to resolve from. Wrap such handlers in
 * `TenantContext.run(id, fn)`.
 *
 * Subclass it to change one step, as with `@nestjs/throttler`'s guard: override
 * `shouldSkip`, `resolveTenantId`, `getTenant` or `throwMissingTenant`; then
 * set `globalGuard: false` and register the subclass as `APP_GUARD` yourself.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly resolution: TenantResolution,
    protected readonly tenants: TenantCache,
    protected readonly tenantContext: TenantContext,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    // Synchronously, before any await: a CLS context entered here becomes the
    // one the route handler runs in only if it is entered in the caller's own
    // execution, not in the continuation of a promise this guard awaits. Not
    // "reuse whatever context is active", which would reuse a context left active
    // by the previous request on the same keep-alive socket (see request-context.ts).
    enterRequestContext(context);
    return this.activate(context);
  }

  /** Whether this request needs no tenant. Default: `@SkipTenant()` on the handler or its controller. */
  protected shouldSkip(context: ExecutionContext): boolean | Promise<boolean> {
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(SKIP_TENANT_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }

  /** The raw tenant id the request names, or `undefined`. Default: the configured resolvers, in order. */
  protected resolveTenantId(context: ExecutionContext): Promise<string | undefined> {
    return this.resolution.resolve(context);
  }

  /**
   * The tenant for a resolved id. Default: `TenantCache.getActive`, which
   * throws `InvalidTenantIdError`, `TenantNotFoundError` or `TenantInactiveError`.
   */
  protected getTenant(tenantId: string, _context: ExecutionContext): Promise<Tenant> {
    return this.tenants.getActive(tenantId);
  }

  /** Called when no resolver found an id on a route that needs one. Default: throws `MissingTenantError` (400). */
  protected throwMissingTenant(_context: ExecutionContext): never {
    throw new MissingTenantError('This request needs a tenant, and none was given.');
  }

  private async activate(context: ExecutionContext): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    const tenantId = await this.resolveTenantId(context);
    if (!tenantId) this.throwMissingTenant(context);
    this.tenantContext.enter(await this.getTenant(tenantId, context));
    return true;
  }
}
