/** Operations that only read: the tenant-bound extension has nothing to do for them. Anything else goes to the bound client. */
export const READ_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);

type Delegate = Record<string | symbol, unknown>;

/**
 * The per-tenant client handed to the app: `bound` (with the tenant-bound
 * extension) for everything, except reads of tenant-scoped models, which go
 * to `base`, the same client without the extension.
 *
 * Why: any query extension on a Prisma client puts every operation through
 * Prisma's extension machinery, hooked or not, which costs about 10 µs a
 * query, while the extension has nothing to do for reads here: the pool view
 * under both clients already refuses statements outside the tenant's
 * context, and the pg adapter qualifies the SQL with the tenant's schema.
 * Writes, raw SQL, transactions and shared models keep the extension.
 * Both clients share one engine, so query plans are cached once.
 */
export function readFastPath<TClient extends object>(
  base: TClient,
  bound: TClient,
  sharedModels: ReadonlySet<string>,
): TClient {
  const models = new Map<string, unknown>();
  const methods = new Map<string | symbol, unknown>();
  const shared = new Set([...sharedModels].map((model) => model.charAt(0).toLowerCase() + model.slice(1)));

  const model = (key: string): unknown => {
    const boundModel = Reflect.get(bound, key) as Delegate | undefined;
    const baseModel = Reflect.get(base, key) as Delegate | undefined;
    // Not a model delegate ($-methods are handled below; `then` and the like are undefined), or a shared model.
    if (
      typeof boundModel !== 'object' ||
      boundModel === null ||
      typeof baseModel !== 'object' ||
      baseModel === null ||
      shared.has(key)
    )
      return boundModel;
    // The bound delegate with the base's read operations as own properties, taken once:
    // a read finds its operation without a proxy trap (Prisma builds a new function on
    // every property read, and a trap per read cost about 0.6 µs). Prisma's operations
    // do not depend on `this` or on being fetched anew, and everything else (writes,
    // `fields`) is inherited from the bound delegate.
    const fast = Object.create(boundModel) as Delegate;
    for (const operation of READ_OPERATIONS) {
      const run = baseModel[operation];
      if (typeof run === 'function') fast[operation] = run;
    }
    return fast;
  };

  // The proxy's target is a plain object inheriting `bound`, not `bound` itself:
  // V8 checks every value a get trap returns against the target's own property,
  // and on a Prisma client (a proxy) that check ran Prisma's
  // getOwnPropertyDescriptor trap on every `client.project` (about 2 µs).
  // Other operations (`in`, prototype reads) still reach `bound` through the prototype.
  return new Proxy(Object.create(bound) as TClient, {
    get(_target, key) {
      if (typeof key === 'string' && !key.startsWith('$') && !key.startsWith('_')) {
        let found = models.get(key);
        if (found === undefined && !models.has(key)) models.set(key, (found = model(key)));
        return found;
      }
      // $transaction, $queryRaw, $extends...: the extended client's, called on it.
      if (!methods.has(key)) {
        const value = Reflect.get(bound, key);
        methods.set(key, typeof value === 'function' ? value.bind(bound) : value);
      }
      return methods.get(key);
    },
  });
}
