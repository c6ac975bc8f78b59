import { TenantMismatchError } from '../../errors/tenant-mismatch.error';

// Puts a tenant into Prisma operation arguments. Shared by the RLS extension
// (tenant read per operation) and the per-tenant client extension (tenant fixed).

export type Args = Record<string, any>;

// Operations whose `where` selects the rows they read or write.
const WHERE_OPERATIONS = new Set([
  'findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow',
  'count', 'aggregate', 'groupBy',
  'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
]);
// Operations whose `where` must stay a unique filter: the tenant is added beside it.
const UNIQUE_WHERE = new Set(['findUnique', 'findUniqueOrThrow', 'update', 'upsert', 'delete']);

/** Operations that write rows (for which column defaults and triggers may read the tenant setting). */
export const WRITE_OPERATIONS = new Set([
  'create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
]);

/**
 * The arguments with the tenant added: to `where` (beside a unique filter, or
 * ANDed with a non-unique one), and to created data. A different tenant named
 * in a unique filter or in written data is refused with `TenantMismatchError`.
 */
export function scopeArgs(operation: string, args: Args, field: string, tenantId: string): Args {
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
