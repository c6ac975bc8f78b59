import type { ExecutionContext } from '@nestjs/common';
import { ClsServiceManager, type ClsStore, ContextClsStoreMap } from 'nestjs-cls';

// The CLS store of each non-HTTP call, keyed by the call's argument array:
// Nest builds one ExecutionContext for the guards and another for the
// interceptors of a call, but hands both the same `args` array.
const callStores = new WeakMap<object, ClsStore>();

/**
 * Gives a GraphQL, WebSocket or microservice call a CLS store of its own and
 * enters it, synchronously (before the guard's first `await`). A store that
 * nestjs-cls's own guard or interceptor made for this call is used, so the
 * app's values and the tenant share one context. Never a store that merely
 * happens to be active: a broker's consumer callback or a socket's listener
 * runs every message from one async resource, and the previous message's
 * context would still be there.
 *
 * `enterWith` reaches the handler only when no guard awaited before this
 * one; `TenantCallInterceptor` therefore runs the handler inside the store
 * again with `runWith`, whatever came before.
 * @internal
 */
export function enterCallContext(context: ExecutionContext): ClsStore {
  const cls = ClsServiceManager.getClsService();
  const store = ContextClsStoreMap.get(context) ?? callStores.get(context.getArgs()) ?? {};
  callStores.set(context.getArgs(), store);
  ContextClsStoreMap.set(context, store);
  if (!cls.isActive() || cls.get() !== store) cls.enterWith(store);
  return store;
}

/** The store `enterCallContext` entered for this call, if any. @internal */
export function callContextStore(context: ExecutionContext): ClsStore | undefined {
  return callStores.get(context.getArgs());
}
