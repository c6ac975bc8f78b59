import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenantMismatchError } from '../../errors/tenant-mismatch.error';
import { TenantUnavailableError } from '../../errors/tenant-unavailable.error';
import type { Args } from '../shared/tenant-args';
import { connectionFailureScope, isConnectionFailure } from './connection-failure';

/**
 * Extension of a database-strategy tenant client that makes every failure to
 * reach the tenant's database surface as `TenantUnavailableError` (503), not
 * as whatever Prisma wrapped it in: the app can answer "retry" for that
 * tenant while serving the others. Statement errors pass through unchanged.
 */
export function tenantUnavailableExtension(tenantId: string) {
  return {
    name: 'nestjs-prisma-tenancy:tenant-unavailable',
    query: {
      async $allOperations({ args, query }: { args: Args; query: (args: Args) => Promise<unknown> }) {
        const failure: { error?: TenantUnavailableError } = {};
        try {
          // Prisma promises are lazy: await inside run() so the pool sees the scope.
          return await connectionFailureScope.run(failure, async () => await query(args));
        } catch (error) {
          throw asUnavailable(tenantId, error, failure.error) ?? asTenantBoundError(error) ?? error;
        }
      },
    },
  };
}

/** The `TenantUnavailableError` that `error` stands for, or undefined when it is a statement error. */
export function asUnavailable(tenantId: string, error: unknown, recorded?: TenantUnavailableError): TenantUnavailableError | undefined {
  if (error instanceof TenantUnavailableError) return error;
  // The pool could not hand this operation a connection; Prisma kept only a copy of the error.
  if (recorded) return recorded;
  // Same, when Prisma ran the operation outside its async context (batched queries).
  if ((error as { code?: unknown } | null)?.code === 'TENANT_UNAVAILABLE') return withCause(new TenantUnavailableError(tenantId, 'its database cannot be reached'), error);
  if (isConnectionFailure(error)) return withCause(new TenantUnavailableError(tenantId, 'its database connection was lost'), error);
  return undefined;
}

/**
 * The pool refuses statements of a client used outside its tenant; Prisma
 * re-wraps that refusal keeping only its code. Restore the typed error, so
 * the answer is the 400/403 it stands for rather than a 500.
 */
function asTenantBoundError(error: unknown): Error | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as { message?: string } | null)?.message?.split('\n').filter(Boolean).pop();
  if (code === 'TENANT_REQUIRED') return withCause(new MissingTenantError(message), error);
  if (code === 'TENANT_MISMATCH') return withCause(new TenantMismatchError('tenant', message), error);
  return undefined;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, configurable: true });
  return error;
}
