import { AsyncLocalStorage } from 'node:async_hooks';
import { TenancyConfigError } from '../../errors/tenancy-config.error';

type BatchRequest = { transaction?: unknown };
type Loader = {
  request?: (request: BatchRequest) => Promise<unknown>;
  options?: {
    batchBy?: (request: BatchRequest) => string | undefined;
    batchLoader?: (requests: BatchRequest[]) => Promise<unknown>;
    singleLoader?: (request: BatchRequest) => Promise<unknown>;
  };
};
type RunInContext = <R>(fn: () => R) => R;

/**
 * Prisma's request handler queues requests that share a batch key (the
 * `findUnique` calls of one tick, the statements of one `$transaction([...])`)
 * and dispatches every queued batch from one `process.nextTick` callback, in
 * the async context of whichever request scheduled that tick. With one client
 * shared by all tenants, tenant B's work would then run in tenant A's context:
 * the pool would open B's batch transaction with A's setting. Two changes:
 *
 * - merging of `findUnique` calls is limited to calls inside one transaction
 *   (which always belong to one tenant): every other query runs in its
 *   caller's own context;
 * - each batch is dispatched in the async context of its own first request
 *   (an `AsyncLocalStorage.snapshot()` taken when it was queued), so a batch
 *   transaction opens its connection as the tenant that asked for it.
 *
 * It touches a Prisma internal (`_requestHandler.dataloader`); if a Prisma
 * release moves it, the app refuses to start instead of running unsafely, and
 * tests of concurrent cross-tenant `findUnique` calls and batch transactions
 * guard the behaviour.
 */
export function confineQueryBatching(client: unknown): void {
  const loader = (client as { _requestHandler?: { dataloader?: Loader } })?._requestHandler?.dataloader;
  const options = loader?.options;
  const batchBy = options?.batchBy;
  const { batchLoader, singleLoader } = options ?? {};
  if (
    typeof batchBy !== 'function' ||
    typeof batchLoader !== 'function' ||
    typeof singleLoader !== 'function' ||
    typeof loader?.request !== 'function'
  ) {
    throw new TenancyConfigError(
      'createClient',
      'the client returned is not a Prisma 7 client this version of nestjs-prisma-tenancy can isolate (its query batching was not found). Return `new PrismaClient({ adapter })` from createClient.',
    );
  }
  const keyOf = (request: BatchRequest) => (request.transaction ? batchBy(request) : undefined);
  // Batch key -> the context of the batch's first request, until the batch is dispatched.
  const contexts = new Map<string, RunInContext>();
  const request = loader.request.bind(loader);
  const inContextOf = <R>(first: BatchRequest, run: () => R): R => {
    const key = keyOf(first);
    const context = key === undefined ? undefined : contexts.get(key);
    if (key !== undefined) contexts.delete(key);
    return context ? context(run) : run();
  };

  options!.batchBy = keyOf;
  loader.request = (queued: BatchRequest) => {
    const key = keyOf(queued);
    if (key !== undefined && !contexts.has(key)) contexts.set(key, AsyncLocalStorage.snapshot());
    return request(queued);
  };
  // A batch of one is dispatched through singleLoader, larger ones through batchLoader.
  options!.batchLoader = (requests) => inContextOf(requests[0], () => batchLoader(requests));
  options!.singleLoader = (single) => inContextOf(single, () => singleLoader(single));
}
