import { TenantMismatchError } from '../../errors/tenant-mismatch.error';
import { TenantRelationNotFoundError } from '../../errors/tenant-relation-not-found.error';

// Puts a tenant into Prisma operation arguments. Shared by the RLS extension
// (tenant read per operation) and the per-tenant client extension (tenant fixed).

export type Args = Record<string, any>;

// Operations whose `where` selects the rows they read or write.
const WHERE_OPERATIONS = new Set([
  'findMany',
  'findFirst',
  'findFirstOrThrow',
  'findUnique',
  'findUniqueOrThrow',
  'count',
  'aggregate',
  'groupBy',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);
// Operations whose `where` must stay a unique filter: the tenant is added beside it.
const UNIQUE_WHERE = new Set(['findUnique', 'findUniqueOrThrow', 'update', 'upsert', 'delete']);

/** Operations that write rows (for which column defaults and triggers may read the tenant setting). */
export const WRITE_OPERATIONS = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);

/**
 * The arguments with the tenant added: to `where` (beside a unique filter, or
 * ANDed with a non-unique one), and to created data. A different tenant named
 * in a unique filter or in written data is refused with `TenantMismatchError`.
 */
export function scopeArgs(operation: string, args: Args, field: string, tenantId: string): Args {
  const scoped: Args = { ...args };
  if (WHERE_OPERATIONS.has(operation))
    scoped.where = scopeWhere(args.where, field, tenantId, UNIQUE_WHERE.has(operation));
  switch (operation) {
    case 'create':
      scoped.data = withTenant(args.data, field, tenantId);
      break;
    case 'createMany':
    case 'createManyAndReturn':
      scoped.data = Array.isArray(args.data)
        ? args.data.map((d: Args) => withTenant(d, field, tenantId))
        : withTenant(args.data, field, tenantId);
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

// Keys of a relation field's value in written data that connect existing records.
const NESTED_WRITE_KEYS = ['connect', 'connectOrCreate', 'create'];

/**
 * Runs a write with its arguments scoped (`scopeArgs`) and makes the answers
 * of relation writes fit a tenant:
 *
 * - Prisma's checked create form (`project: { connect: { id } }`) under a
 *   relation whose foreign key includes the tenant field has no tenant field:
 *   the relation sets it. Prisma refuses the one `scopeArgs` added, while
 *   validating, before any SQL; the write then runs again without it, with
 *   the tenant added to each top-level `connect` and `connectOrCreate.where`
 *   instead, so only the tenant's own records can be connected (layer 1; the
 *   policies or the tenant's own schema are layer 2). Nested `create`s get
 *   the tenant from the column default, as other nested writes do.
 * - A nested write naming a record the tenant cannot see answers
 *   `TenantRelationNotFoundError` (404) instead of Prisma's P2025, P2017 or
 *   P2018, which an app would answer with 500.
 */
export async function runScopedWrite(
  operation: string,
  args: Args,
  field: string,
  tenantId: string,
  query: (args: Args) => Promise<unknown>,
): Promise<unknown> {
  try {
    return await query(scopeArgs(operation, args, field, tenantId));
  } catch (error) {
    const checked = refusedTenantField(error, field) ? checkedFormArgs(operation, args, field, tenantId) : undefined;
    if (!checked) throw relationError(error);
    return await query(checked).catch((retried: unknown) => {
      throw relationError(retried);
    });
  }
}

// Prisma's validation names the unknown argument; this error is raised before any SQL is sent.
function refusedTenantField(error: unknown, field: string): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (
    name === 'PrismaClientValidationError' &&
    typeof message === 'string' &&
    message.includes(`Unknown argument \`${field}\``)
  );
}

/** The arguments for the checked form, or `undefined` when the data is not one (or named the tenant field itself). */
function checkedFormArgs(operation: string, args: Args, field: string, tenantId: string): Args | undefined {
  const key = operation === 'create' ? 'data' : operation === 'upsert' ? 'create' : undefined;
  const data = key ? (args[key] as Args | undefined) : undefined;
  if (!data || data[field] !== undefined || !hasRelationWrite(data)) return undefined;
  const scoped = scopeArgs(operation, { ...args, [key!]: {} }, field, tenantId);
  return { ...scoped, [key!]: scopeRelationWrites(data, field, tenantId) };
}

function isPlainObject(value: unknown): value is Args {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function hasRelationWrite(data: Args): boolean {
  return Object.values(data).some((value) => isPlainObject(value) && NESTED_WRITE_KEYS.some((k) => k in value));
}

function scopeRelationWrites(data: Args, field: string, tenantId: string): Args {
  const each = (value: unknown, fn: (one: Args) => Args) =>
    Array.isArray(value) ? value.map(fn) : isPlainObject(value) ? fn(value) : value;
  const scoped: Args = {};
  for (const [name, value] of Object.entries(data)) {
    if (!isPlainObject(value) || !NESTED_WRITE_KEYS.some((k) => k in value)) {
      scoped[name] = value;
      continue;
    }
    const relation: Args = { ...value };
    if ('connect' in value) relation.connect = each(value.connect, (where) => withTenant(where, field, tenantId));
    if ('connectOrCreate' in value) {
      relation.connectOrCreate = each(value.connectOrCreate, (one) => ({
        ...one,
        where: withTenant(one.where, field, tenantId),
      }));
    }
    scoped[name] = relation;
  }
  return scoped;
}

// Prisma's codes for a nested write whose related record was not found: the tenant's view of "another tenant's".
function relationError(error: unknown): unknown {
  const { name, code, meta } = (error ?? {}) as { name?: unknown; code?: unknown; meta?: Record<string, unknown> };
  if (name !== 'PrismaClientKnownRequestError') return error;
  const nested =
    code === 'P2018' ||
    code === 'P2017' ||
    (code === 'P2025' && typeof meta?.operation === 'string' && meta.operation.startsWith('a nested'));
  if (!nested) return error;
  const model = typeof meta?.model === 'string' ? meta.model : typeof meta?.child === 'string' ? meta.child : undefined;
  return new TenantRelationNotFoundError(model, { cause: error });
}
