import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenantMismatchError } from '../../errors/tenant-mismatch.error';
import { settingsScope } from './statement-scope';
import { type Args, scopeArgs, WRITE_OPERATIONS } from './tenant-args';

/** Settings of the extension on a client that serves exactly one tenant. */
export interface TenantBoundExtensionSettings {
  tenantId: string;
  tenantField: string;
  sharedModels: ReadonlySet<string>;
  /** Id of the tenant in context when an operation starts, or undefined. */
  currentTenantId: () => string | undefined;
  /** Runs an operation on a shared model, which lives outside the tenant's schema or database. */
  shared: (model: string, operation: string, args: Args) => Promise<unknown>;
  /**
   * The client's pool runs `assertTenantBound` before every statement of
   * its own, so reads of tenant-scoped models need no extension at all: they
   * skip Prisma's extension machinery, which is most of the per-query cost.
   * Default: `false` (every operation is checked here).
   */
  readsGuardedByPool?: boolean;
}

type QueryParams = { model?: string; operation: string; args: Args; query: (args: Args) => Promise<unknown> };

const RAW_OPERATIONS = ['$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe'];

/**
 * Throws unless the tenant in context is `tenantId`: a per-tenant client kept
 * across requests must fail loudly, in another tenant's context or in none,
 * instead of touching its own tenant's data.
 */
export function assertTenantBound(tenantId: string, current: string | undefined, what = 'this operation'): void {
  if (current === undefined) throw new MissingTenantError(`No tenant in context: ${what} needs a tenant.`);
  if (current !== tenantId) {
    throw new TenantMismatchError('tenant', "This Prisma client serves another tenant than the one in context: read TenantPrisma.client where you query, don't keep it.");
  }
}

/**
 * Extension of a per-tenant client (schema and database strategies). The
 * client can only reach its tenant's schema or database. Writes get the
 * tenant field (one Prisma schema serves every strategy) and run, like raw
 * SQL, with the tenant's settings in the session; shared models are routed to
 * the shared client; reads go through untouched, checked by the pool when
 * `readsGuardedByPool`, here otherwise.
 */
export function tenantBoundExtension(settings: TenantBoundExtensionSettings) {
  const { tenantId, tenantField, sharedModels, currentTenantId } = settings;
  const check = (model: string | undefined, operation: string) =>
    assertTenantBound(tenantId, currentTenantId(), `${model ? `${model}.` : ''}${operation}`);
  // Prisma promises are lazy: await inside run() so the statements execute within the scope.
  const withSettings = (run: () => Promise<unknown>) => settingsScope.run(true, async () => await run());

  const write = ({ model, operation, args, query }: QueryParams) => {
    check(model, operation);
    if (model !== undefined && sharedModels.has(model)) return settings.shared(model, operation, args);
    return withSettings(() => query(scopeArgs(operation, args ?? {}, tenantField, tenantId)));
  };
  const raw = ({ model, operation, args, query }: QueryParams) => {
    check(model, operation);
    return withSettings(() => query(args));
  };
  const any = (params: QueryParams) => {
    const { model, operation, args, query } = params;
    if (model === undefined) return raw(params);
    if (WRITE_OPERATIONS.has(operation)) return write(params);
    check(model, operation);
    if (sharedModels.has(model)) return settings.shared(model, operation, args);
    return query(scopeArgs(operation, args ?? {}, tenantField, tenantId));
  };

  if (!settings.readsGuardedByPool) return { name: 'nestjs-prisma-tenancy:tenant-bound', query: { $allOperations: any } };

  const sharedRoutes = Object.fromEntries(
    [...sharedModels].map((model) => [
      model.charAt(0).toLowerCase() + model.slice(1),
      { $allOperations: ({ model: m, operation, args }: QueryParams) => (check(m, operation), settings.shared(m!, operation, args)) },
    ]),
  );
  return {
    name: 'nestjs-prisma-tenancy:tenant-bound',
    query: {
      $allModels: Object.fromEntries([...WRITE_OPERATIONS].map((operation) => [operation, write])),
      ...Object.fromEntries(RAW_OPERATIONS.map((operation) => [operation, raw])),
      ...sharedRoutes,
    },
  };
}
