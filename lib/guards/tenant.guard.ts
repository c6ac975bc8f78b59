import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TenantContext } from '../context/tenant-context.service';
import { MissingTenantError } from '../errors/missing-tenant.error';
import { TenantResolution } from '../resolvers/tenant-resolution.service';
import { TenantCache } from '../store/tenant-cache.service';
import type { Tenant } from '../store/tenant.interface';
import { SKIP_TENANT_METADATA } from '../tenancy.constants';
import { TenancyError } from '../errors/tenancy.error';
import { enterCallContext } from './call-context';
import { enterRequestContext } from './request-context';

/**
 * Resolves the tenant of each call, checks it, and makes it current.
 *
 * Registered globally by `TenancyModule` (unless `globalGuard: false`), or
 * placed with `@UseGuards(TenantGuard)`. For every call that is not marked
 * `@SkipTenant()` it: resolves the id (no id → `MissingTenantError`, 400);
 * validates and looks it up through `TenantCache` (malformed → 400, unknown →
 * 404, not active → 403); sets it in the CLS context, where `TenantContext`,
 * `@CurrentTenant()` and the Prisma client read it.
 *
 * HTTP requests resolve with the configured `resolvers`. GraphQL operations,
 * WebSocket messages and microservice messages resolve through the entry point
 * of their context type (`entryPoints` option; all of them by default), get a
 * CLS context of their own, and are refused with the transport's own error
 * (GraphQL error, `WsException`, `RpcException`) carrying the same code. A
 * context type without an entry point passes through with no tenant, so its
 * queries fail closed.
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
    const type = context.getType();
    if (type !== 'http') {
      const entry = this.resolution.entryPoint(type);
      if (!entry) return true;
      // Synchronously, as below: the call's own store, before any await.
      enterCallContext(context, entry.callStore?.(context));
      return this.activate(context).catch((error: unknown) => {
        throw error instanceof TenancyError && entry.toTransportError ? entry.toTransportError(error, context) : error;
      });
    }
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
