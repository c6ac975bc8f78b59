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
      const toTransport = (error: unknown) =>
        error instanceof TenancyError && entry.toTransportError ? entry.toTransportError(error, context) : error;
      try {
        const activated = this.activate(context);
        return isPromise(activated)
          ? activated.catch((error: unknown) => {
              throw toTransport(error);
            })
          : activated;
      } catch (error) {
        return Promise.reject(toTransport(error));
      }
    }
    // Synchronously, before any await: a CLS context entered here becomes the
    // one the route handler runs in only if it is entered in the caller's own
    // execution, not in the continuation of a promise this guard awaits. Not
    // "reuse whatever context is active", which would reuse a context left active
    // by the previous request on the same keep-alive socket (see request-context.ts).
    enterRequestContext(context);
    try {
      return this.activate(context);
    } catch (error) {
      // A refusal is a rejection, whether it came before or after a step that awaited.
      return Promise.reject(error as Error);
    }
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

  /**
   * The raw tenant id the request names, or `undefined`, or a promise of
   * either. Default: the configured resolvers, in order.
   */
  protected resolveTenantId(context: ExecutionContext): string | undefined | Promise<string | undefined> {
    return this.resolution.resolveNow(context);
  }

  /**
   * The tenant for a resolved id, or a promise of it. Default: the cached
   * tenant when it is active, else `TenantCache.getActive`, which throws
   * `InvalidTenantIdError`, `TenantNotFoundError` or `TenantInactiveError`.
   */
  protected getTenant(tenantId: string, _context: ExecutionContext): Tenant | Promise<Tenant> {
    return this.tenants.peekActive(tenantId) ?? this.tenants.getActive(tenantId);
  }

  /** Called when no resolver found an id on a route that needs one. Default: throws `MissingTenantError` (400). */
  protected throwMissingTenant(_context: ExecutionContext): never {
    throw new MissingTenantError('This request needs a tenant, and none was given.');
  }

  // Synchronous as long as every step is (a header on a cached tenant): no
  // promise at all then, and Nest's GuardsConsumer takes a boolean without
  // awaiting it. A step that returns a promise continues from there.
  private activate(context: ExecutionContext): boolean | Promise<boolean> {
    const skip = this.shouldSkip(context);
    if (isPromise(skip)) return skip.then((skipped) => skipped || this.activateTenant(context));
    return skip || this.activateTenant(context);
  }

  private activateTenant(context: ExecutionContext): boolean | Promise<boolean> {
    const tenantId = this.resolveTenantId(context);
    return isPromise(tenantId)
      ? tenantId.then((id) => this.enterTenant(context, id))
      : this.enterTenant(context, tenantId);
  }

  private enterTenant(context: ExecutionContext, tenantId: string | undefined): boolean | Promise<boolean> {
    if (!tenantId) this.throwMissingTenant(context);
    const tenant = this.getTenant(tenantId, context);
    if (isPromise(tenant))
      return tenant.then((found) => {
        this.tenantContext.enter(found);
        return true;
      });
    this.tenantContext.enter(tenant);
    return true;
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
