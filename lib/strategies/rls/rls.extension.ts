import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenantMismatchError } from '../../errors/tenant-mismatch.error';
import { sharedModelScope } from './rls-scope';

/** What the extension needs to know; all resolved once at boot. */
export interface RlsExtensionSettings {
  tenantField: string;
  sharedModels: ReadonlySet<string>;
  /** Current tenant id, or undefined. Read when an operation starts. */
  currentTenantId: () => string | undefined;
}

type Args = Record<string, any>;

// Operations whose `where` selects the rows they read or write.
const WHERE_OPERATIONS = new Set([
  'findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow',
  'count', 'aggregate', 'groupBy',
  'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
]);
// Operations whose `where` must stay a unique filter: the tenant is added beside it.
const UNIQUE_WHERE = new Set(['findUnique', 'findUniqueOrThrow', 'update', 'upsert', 'delete']);

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
      $allOperations({ model, operation, args, query }: { model?: string; operation: string; args: Args; query: (args: Args) => Promise<unknown> }) {
        const tenantId = currentTenantId();
        if (model !== undefined && sharedModels.has(model)) {
          if (tenantId !== undefined) return query(args);
          // Prisma promises are lazy: await inside run() so the query executes within the scope.
          return sharedModelScope.run(true, async () => await query(args));
        }
        if (tenantId === undefined) {
          throw new MissingTenantError(`No tenant in context: ${model ? `${model}.` : ''}${operation} needs a tenant.`);
        }
        if (model === undefined) return query(args); // raw SQL: the policies scope it
        return query(scopeArgs(operation, args ?? {}, tenantField, tenantId));
      },
    },
  };
}

function scopeArgs(operation: string, args: Args, field: string, tenantId: string): Args {
  const scoped: Args = { ...args };
  if (WHERE_OPERATIONS.has(operation)) scoped.where = scopeWhere(args.where, field, tenantId, UNIQUE_WHERE.has(operation));
  switch (operation) {
    case 'create':
      scoped.data = withTenant(args.data, field, tenantId);
      break;
    case 'createMany':
    case 'createManyAndReturn':
      scoped.data = Array.isArray(args.data) ? args.data.map((d: Args) => withTenant(d, field, tenantId)) : withTenant(args.data, field, tenantId);
      break;
    case 'upsert':
      scoped.create = withTenant(args.create, field, tenantId);
      assertNotMoved(args.update, field, tenantId);
      break;
    case 'update':
    case 'updateMany':
    case 'updateManyAndReturn':
      assertNotMoved(args.data, field, tenantId);
      break;
  }
  return scoped;
}

function scopeWhere(where: Args | undefined, field: string, tenantId: string, unique: boolean): Args {
  if (where === undefined || where === null) return { [field]: tenantId };
  const given = where[field];
  if (given === undefined) return { ...where, [field]: tenantId };
  if (given === tenantId) return where;
  if (unique) throw new TenantMismatchError(field);
  // A non-unique filter on the tenant field (e.g. `{ in: [...] }`): keep it, and AND the tenant.
  return { AND: [where, { [field]: tenantId }] };
}

function withTenant(data: Args | undefined, field: string, tenantId: string): Args {
  const given = data?.[field];
  if (given !== undefined && given !== tenantId) throw new TenantMismatchError(field);
  return { ...data, [field]: tenantId };
}

function assertNotMoved(data: Args | undefined, field: string, tenantId: string): void {
  const given = data?.[field];
  if (given !== undefined && given !== tenantId && !(typeof given === 'object' && given?.set === tenantId)) {
    throw new TenantMismatchError(field);
  }
}
