import { MissingTenantError } from '../../errors/missing-tenant.error';
import { type Args, runScopedWrite, scopeArgs, WRITE_OPERATIONS } from '../shared/tenant-args';
import { rawStatementScope, sharedModelScope } from './rls-scope';

/** What the extension needs to know; all resolved once at boot. */
export interface RlsExtensionSettings {
  tenantField: string;
  sharedModels: ReadonlySet<string>;
  /** Current tenant id, or undefined. Read when an operation starts. */
  currentTenantId: () => string | undefined;
}

/**
 * Layer 1 of RLS isolation: a Prisma client extension that puts the tenant
 * into every query on a tenant-scoped model, so the SQL itself is scoped and
 * indexes starting with the tenant column are used. Layer 2, the database
 * policies, catches raw SQL and anything that slips past this one.
 *
 * It also fails closed: an operation on a tenant-scoped model, or a raw query,
 * with no tenant in context throws `MissingTenantError` before any SQL runs.
 */
export function rlsExtension(settings: RlsExtensionSettings) {
  const { tenantField, sharedModels, currentTenantId } = settings;
  return {
    name: 'nestjs-prisma-tenancy:rls',
    query: {
      $allOperations({
        model,
        operation,
        args,
        query,
      }: {
        model?: string;
        operation: string;
        args: Args;
        query: (args: Args) => Promise<unknown>;
      }) {
        const tenantId = currentTenantId();
        if (model !== undefined && sharedModels.has(model)) {
          if (tenantId !== undefined) return query(args);
          // Prisma promises are lazy: await inside run() so the query executes within the scope.
          return sharedModelScope.run(true, async () => await query(args));
        }
        if (tenantId === undefined) {
          throw new MissingTenantError(`No tenant in context: ${model ? `${model}.` : ''}${operation} needs a tenant.`);
        }
        // Raw SQL (and any operation without a model): the policies scope it, and
        // the pool resets the connection afterwards in case it changed the session.
        if (model === undefined) return rawStatementScope.run(true, async () => await query(args));
        if (WRITE_OPERATIONS.has(operation)) return runScopedWrite(operation, args ?? {}, tenantField, tenantId, query);
        return query(scopeArgs(operation, args ?? {}, tenantField, tenantId));
      },
    },
  };
}
