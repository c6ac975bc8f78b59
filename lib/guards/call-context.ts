import type { ExecutionContext } from '@nestjs/common';
import { ClsServiceManager, type ClsStore, ContextClsStoreMap } from 'nestjs-cls';
import { isBoundCallHandler } from '../context/tenant-call.binding';
import { CLS_TENANT } from '../tenancy.internal-constants';

// The CLS store of each non-HTTP call, keyed by the call's argument array:
// Nest builds one ExecutionContext for the guards and another for the
// interceptors of a call, but hands both the same `args` array.
const callStores = new WeakMap<object, ClsStore>();
// The stores this module made, whatever call they were for.
const madeHere = new WeakSet<ClsStore>();

/**
 * Gives a GraphQL, WebSocket or microservice call a CLS store of its own and
 * enters it, synchronously (before the guard's first `await`). A store that
 * nestjs-cls's own guard or interceptor made for this call is used, so the
 * app's values and the tenant share one context, else the store the entry
 * point names (`transportStore`: a GraphQL query's HTTP request store). Never
 * a store that merely happens to be active: a broker's consumer callback or a
 * socket's listener runs every message from one async resource, and the
 * previous message's context would still be there.
 *
 * `enterWith` reaches the handler only when no guard awaited before this
 * one; `TenantCallInterceptor` therefore runs the handler inside the store
 * again with `runWith`, whatever came before. A handler it is not bound to
 * (a transport whose handlers it does not recognise) may run in the store
 * active when the call arrived, the previous call's on a shared consumer:
 * that store loses its tenant, so the handler fails closed rather than run
 * as the previous call's tenant (as for HTTP, see request-context.ts).
 * @internal
 */
export function enterCallContext(context: ExecutionContext, transportStore?: object): ClsStore {
  const cls = ClsServiceManager.getClsService();
  const known =
    ContextClsStoreMap.get(context) ?? callStores.get(context.getArgs()) ?? (transportStore as ClsStore | undefined);
  if (!known && !isBoundCallHandler(context.getHandler())) {
    const active = cls.isActive() ? cls.get() : undefined;
    if (active && madeHere.has(active)) delete (active as Record<symbol, unknown>)[CLS_TENANT];
  }
  const store = known ?? {};
  if (!known) madeHere.add(store);
  callStores.set(context.getArgs(), store);
  ContextClsStoreMap.set(context, store);
  if (!cls.isActive() || cls.get() !== store) cls.enterWith(store);
  return store;
}

/** The store `enterCallContext` entered for this call, if any. @internal */
export function callContextStore(context: ExecutionContext): ClsStore | undefined {
  return callStores.get(context.getArgs());
}
