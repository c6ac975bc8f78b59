import { Injectable, type NestMiddleware } from '@nestjs/common';
import { CLS_REQ, ClsServiceManager, ContextClsStoreMap } from 'nestjs-cls';

/**
 * Runs `next` (the rest of the request's handling) in a CLS context of this
 * request's own, unless nestjs-cls already gave it one, and records that
 * context for the request so that `TenantGuard` finds it.
 *
 * Why: without it, an app that did not mount nestjs-cls's middleware would
 * depend on `TenantGuard` entering a context with `enterWith`, which on Node
 * 20+ sticks to the keep-alive connection: the next request on that socket
 * (maybe another user's, behind a pooling proxy) would start in the previous
 * request's context. `run()` scopes the context to this request alone.
 * `req` is the Node request (Fastify's `request.raw`).
 * @internal
 */
export function runInRequestContext(req: object, next: (error?: unknown) => void): void {
  if (ContextClsStoreMap.getByRaw(req)) return next();
  const cls = ClsServiceManager.getClsService();
  // nestjs-cls 7 ships an ES module build beside the CommonJS one: an ESM app
  // imports the former, this package requires the latter, and each copy keeps
  // its own ContextClsStoreMap. The copies share the AsyncLocalStorage and
  // CLS_REQ (`Symbol.for`), so an active context whose CLS_REQ is this very
  // request was started for it by the app's ClsMiddleware: adopt it instead
  // of hiding the app's values behind a nested context. (nestjs-cls 6 is one
  // copy, found by the map above.)
  if (cls.isActive() && cls.get(CLS_REQ) === req) {
    ContextClsStoreMap.setByRaw(req, cls.get());
    return next();
  }
  cls.run({ ifNested: 'override' }, () => {
    ContextClsStoreMap.setByRaw(req, cls.get());
    next();
  });
}

/**
 * `runInRequestContext` as Nest middleware, for HTTP adapters without a
 * request hook (see request-context.hook.ts); mounted on all routes.
 * @internal
 */
@Injectable()
export class TenantContextMiddleware implements NestMiddleware {
  use(req: object, _res: unknown, next: (error?: unknown) => void): void {
    // Fastify hands middleware the raw Node request; other enhancers see it as `request.raw`.
    runInRequestContext(req, next);
  }
}
