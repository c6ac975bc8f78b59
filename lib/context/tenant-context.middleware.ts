import { Injectable, type NestMiddleware } from '@nestjs/common';
import { ClsServiceManager, ContextClsStoreMap } from 'nestjs-cls';

/**
 * Runs every HTTP request in a CLS context of its own, unless nestjs-cls's
 * middleware already gave it one. Mounted on all routes by `TenancyModule`.
 *
 * Without it, an app that did not mount nestjs-cls's middleware would depend
 * on `TenantGuard` entering a context with `enterWith`, which on Node 20+
 * sticks to the keep-alive connection: the next request on that socket (maybe
 * another user's, behind a pooling proxy) would start in the previous
 * request's context. `run()` scopes the context to this request alone.
 * @internal
 */
@Injectable()
export class TenantContextMiddleware implements NestMiddleware {
  use(req: object, _res: unknown, next: (error?: unknown) => void): void {
    // Fastify hands middleware the raw Node request; other enhancers see it as `request.raw`.
    if (ContextClsStoreMap.getByRaw(req)) return next();
    const cls = ClsServiceManager.getClsService();
    cls.run({ ifNested: 'override' }, () => {
      ContextClsStoreMap.setByRaw(req, cls.get());
      next();
    });
  }
}
