import { MissingTenantError } from '../errors/missing-tenant.error';
import { TenantMismatchError } from '../errors/tenant-mismatch.error';

/**
 * Throws unless the tenant in context is the one the transaction was opened
 * for. A transaction is one connection with one tenant's setting (RLS), one
 * schema or one database: used from another tenant's context it would read
 * and write the first tenant's data, or, with RLS, mix the two.
 */
export function assertTransactionTenant(tenantId: string, current: string | undefined): void {
  if (current === undefined)
    throw new MissingTenantError('No tenant in context: this transaction belongs to a tenant and needs its context.');
  if (current !== tenantId)
    throw new TenantMismatchError(
      'tenant',
      'This transaction was opened for another tenant than the one in context: open a transaction inside the tenant that uses it (Propagation.RequiresNew), never share one across tenants.',
    );
}

/**
 * Wraps a Prisma transaction client so that reaching it, its model
 * delegates, or calling any of their methods checks the tenant in context
 * first (`assertTransactionTenant`). Covers `txHost.tx.project.create(...)`
 * as well as a delegate or method kept in a variable and called later.
 *
 * Two levels deep: the client's properties (`$queryRaw`, `project`, ...) and
 * the delegates' methods (`create`, `findMany`, ...), which is all Prisma's
 * transaction client has. Wrappers are cached per wrapped value, so
 * `tx.project === tx.project` still holds.
 */
export function tenantBoundTransaction<T extends object>(tx: T, check: () => void): T {
  return wrapObject(tx, check, true);
}

function wrapObject<T extends object>(target: T, check: () => void, deep: boolean): T {
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(target, {
    get(obj, key) {
      const value = Reflect.get(obj, key);
      // Symbols (inspection, toStringTag) and `then` (probed by `await` and by
      // promise resolution) answer without the check: they run nothing.
      if (typeof key !== 'string' || key === 'then') return value;
      check();
      if (typeof value === 'function') {
        let fn = wrapped.get(value);
        if (!fn) {
          fn = (...args: unknown[]) => {
            check();
            return (value as (...a: unknown[]) => unknown).apply(obj, args);
          };
          wrapped.set(value, fn);
        }
        return fn;
      }
      if (deep && typeof value === 'object' && value !== null) {
        let delegate = wrapped.get(value);
        if (!delegate) {
          delegate = wrapObject(value, check, false);
          wrapped.set(value, delegate);
        }
        return delegate;
      }
      return value;
    },
  });
}
