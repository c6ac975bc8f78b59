import type { ExecutionContext } from '@nestjs/common';
import { CLS_REQ, ClsServiceManager, type ClsStore, ContextClsStoreMap } from 'nestjs-cls';
import { CLS_TENANT } from '../tenancy.internal-constants';

// CLS stores this guard started itself. Only these can be stale: see below.
const guardStores = new WeakSet<ClsStore>();

/**
 * Makes sure the HTTP request in `context` runs in a CLS context of its own,
 * before the guard's first `await`. Three cases:
 *
 * - nestjs-cls started a context for this very request (its middleware, guard
 *   or interceptor; they record it in `ContextClsStoreMap`): it is used.
 * - Another context is active that this guard did not start (the app's own
 *   `cls.run()` around the request): it is kept, so the app's values survive.
 * - Otherwise a fresh context is entered with `enterWith` and recorded.
 *
 * Why not "reuse whatever is active": `enterWith` attaches the context to the
 * current async resource, and on Node 20 and 22 Express and Fastify run every
 * request of a keep-alive connection from that connection's one resource. The
 * context entered for request 1 is still active when request 2 on the same
 * socket arrives (behind a load balancer that pools connections, request 2 may
 * come from another user). Reusing it would hand request 2 the tenant of
 * request 1.
 *
 * Entering a fresh context is not enough either: when an async guard ran
 * before this one, the context entered here does not reach the handler, which
 * then runs in the connection's stale one. So the stale context's tenant is
 * also removed: the handler then finds no tenant (fail closed) instead of the
 * wrong one. The cost: work request 1 left running after its response loses
 * its tenant once request 2 arrives on that socket. Mounting nestjs-cls's
 * middleware (`ClsModule.forRoot({ middleware: { mount: true } })`) avoids
 * both, because its context is scoped to the request with `run()`.
 * @internal
 */
export function enterRequestContext(context: ExecutionContext): void {
  const cls = ClsServiceManager.getClsService();
  const active = cls.isActive() ? cls.get() : undefined;
  const forRequest = ContextClsStoreMap.get(context);
  if (forRequest) {
    if (active === forRequest) return;
    // The app's own nestjs-cls copy (nestjs-cls 7's ES module build, beside the
    // CommonJS one this package requires) opened a context for this very
    // request inside the one the request hook opened: its middleware runs
    // after the hook, and its ContextClsStoreMap is not this one. Keep it, so
    // the values the app's middleware set stay visible with the tenant.
    if (active && isStoreOf(active, context)) {
      ContextClsStoreMap.set(context, active);
      return;
    }
    cls.enterWith(forRequest);
    return;
  }
  if (active && !guardStores.has(active)) return;
  if (active) delete (active as Record<symbol, unknown>)[CLS_TENANT];
  cls.enterWith({});
  const store = cls.get();
  guardStores.add(store);
  ContextClsStoreMap.set(context, store);
}

/**
 * Whether `store` was opened for the request of `context`: nestjs-cls's
 * middleware records the request under CLS_REQ (in nestjs-cls 7 a
 * `Symbol.for`, shared by its two builds). Identity, not equality: a store
 * left from an earlier request on the same socket holds that request, never
 * this one.
 */
function isStoreOf(store: ClsStore, context: ExecutionContext): boolean {
  const recorded = (store as Record<symbol, unknown>)[CLS_REQ];
  if (recorded === undefined) return false;
  const request = context.switchToHttp().getRequest<{ raw?: unknown } | undefined>();
  return recorded === request || (request?.raw !== undefined && recorded === request.raw);
}
