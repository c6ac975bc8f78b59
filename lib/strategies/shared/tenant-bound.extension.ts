import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenantMismatchError } from '../../errors/tenant-mismatch.error';
import { settingsScope, type StatementKind } from './statement-scope';
import { READ_OPERATIONS } from './read-fast-path';
import { type Args, runScopedWrite, scopeArgs, WRITE_OPERATIONS } from './tenant-args';

/** Settings of the extension on a client that serves exactly one tenant. */
export interface TenantBoundExtensionSettings {
  tenantId: string;
  tenantField: string;
  sharedModels: ReadonlySet<string>;
  /** Id of the tenant in context when an operation starts, or undefined. */
  currentTenantId: () => string | undefined;
  /** Runs an operation on a shared model, which lives outside the tenant's schema or database. */
  shared: (model: string, operation: string, args: Args) => Promise<unknown>;
}

type QueryParams = { model?: string; operation: string; args: Args; query: (args: Args) => Promise<unknown> };

/**
 * Throws unless the tenant in context is `tenantId`: a per-tenant client kept
 * across requests must fail loudly, in another tenant's context or in none,
 * instead of touching its own tenant's data.
 */
export function assertTenantBound(tenantId: string, current: string | undefined, what = 'this operation'): void {
  if (current === undefined) throw new MissingTenantError(`No tenant in context: ${what} needs a tenant.`);
  if (current !== tenantId) {
    throw new TenantMismatchError(
      'tenant',
      "This Prisma client serves another tenant than the one in context: read TenantPrisma.client where you query, don't keep it.",
    );
  }
}

/**
 * Extension of a per-tenant client (schema and database strategies). The
 * client can only reach its tenant's schema or database. Writes get the
 * tenant field (one Prisma schema serves every strategy) and run, like raw
 * SQL, with the tenant's settings in the session; shared models are routed to
 * the shared client; reads that reach it (inside transactions) get the
 * tenant in their filter. Everything else, known or not, runs with the
 * settings: the unknown takes the scoped path, never the unscoped one.
 */
export function tenantBoundExtension(settings: TenantBoundExtensionSettings) {
  const { tenantId, tenantField, sharedModels, currentTenantId } = settings;
  const check = (model: string | undefined, operation: string) =>
    assertTenantBound(tenantId, currentTenantId(), `${model ? `${model}.` : ''}${operation}`);
  // Prisma promises are lazy: await inside run() so the statements execute within the scope.
  const withSettings = (run: () => Promise<unknown>, kind: StatementKind = 'any') =>
    settingsScope.run(kind, async () => await run());

  const write = ({ model, operation, args, query }: QueryParams) => {
    check(model, operation);
    if (model !== undefined && sharedModels.has(model)) return settings.shared(model, operation, args);
    return withSettings(() => runScopedWrite(operation, args ?? {}, tenantField, tenantId, query), 'write');
  };
  const raw = ({ model, operation, args, query }: QueryParams) => {
    check(model, operation);
    return withSettings(() => query(args));
  };
  // Fail closed on what this file does not know: model operations outside the
  // read and write lists, and every top-level operation (raw SQL, typed SQL, and
  // whatever a later Prisma adds), run with the tenant's settings in the session.
  // Only the read fast path skips them, for the reads it names.
  const any = (params: QueryParams) => {
    const { model, operation, args, query } = params;
    if (model === undefined) return raw(params);
    if (WRITE_OPERATIONS.has(operation)) return write(params);
    check(model, operation);
    if (sharedModels.has(model)) return settings.shared(model, operation, args);
    if (!READ_OPERATIONS.has(operation)) return withSettings(() => query(args));
    return query(scopeArgs(operation, args ?? {}, tenantField, tenantId));
  };

  // One hook for everything: reads of tenant-scoped models never reach this
  // client when the read fast path is in front (read-fast-path.ts), so the
  // catch-all costs them nothing, and nothing can pass through unhooked.
  return { name: 'nestjs-prisma-tenancy:tenant-bound', query: { $allOperations: any } };
}
