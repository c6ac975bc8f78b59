import { readCatalogTable, type CatalogColumn, type RawQueryClient } from './canary-catalog';
import type { Canary, CanaryRow, CanarySet } from './canary.interface';
import { isRequiredKey, modelLookup, orderByDependencies, type PlannedModel } from './canary-plan';
import { CanaryValues } from './canary-values';
import { readFirstEnumValues, readPrismaModels, type CanaryModel } from './prisma-data-model';

type Row = Record<string, unknown>;
type Delegate = {
  create(args: { data: Row }): Promise<Row>;
  findFirst(args?: object): Promise<Row | null>;
  findMany(args: object): Promise<Row[]>;
  deleteMany(args: object): Promise<unknown>;
};

/** Where canaries are written: the owner tenant's client, and what the module calls shared. */
export interface CanaryTarget {
  tenantId: string;
  /** Runs `fn` as the owner tenant, with `TenantPrisma.client`. */
  run<T>(fn: (client: unknown) => Promise<T>): Promise<T>;
  tenantField: string;
  sharedModels: ReadonlySet<string>;
}

/** What to write. */
export interface CanarySeedOptions {
  /** Tenant-scoped models to leave alone, by Prisma name. Default: none. */
  skipModels?: readonly string[];
  /** Fixed values by model and field, for columns the kit cannot fill (check constraints, custom types). */
  canaryData?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

class SkipModel extends Error {}

/**
 * Writes one canary row in every tenant-scoped model (those not in
 * `sharedModels`) as the owner tenant, through the package's own client so
 * that every strategy puts it where that tenant's rows live. Required
 * foreign keys are filled from the parent's canary row (written first) or,
 * for a shared or skipped parent, from an existing row.
 */
export async function seedCanaries(target: CanaryTarget, options: CanarySeedOptions = {}): Promise<CanarySet> {
  const values = new CanaryValues();
  const set: CanarySet = { tenantId: target.tenantId, marker: values.marker, rows: [], canaries: [], skipped: [] };
  await target.run(async (client) => {
    const models = readPrismaModels(client);
    const enums = readFirstEnumValues(client);
    const lookup = modelLookup(models);
    const isShared = (m: CanaryModel) => target.sharedModels.has(m.name) || target.sharedModels.has(m.delegate);
    const planned: PlannedModel[] = [];
    for (const model of models) {
      if (isShared(model) || options.skipModels?.includes(model.name)) continue;
      const table = await readCatalogTable(client as RawQueryClient, model.schema, model.table);
      if (!table) {
        set.skipped.push({ model: model.name, reason: `table "${model.table}" not found in the tenant's schema` });
        continue;
      }
      const tenantColumn = model.fields.find((f) => f.name === target.tenantField)?.column;
      const parents = table.foreignKeys.map((key) => ({
        key,
        parent: lookup(key.refSchema, key.refTable),
        required: isRequiredKey(key, table, tenantColumn),
      }));
      planned.push({ model, table, parents });
    }
    const { ordered, cyclic } = orderByDependencies(planned);
    for (const p of cyclic) set.skipped.push({ model: p.model.name, reason: 'its required foreign keys form a cycle' });
    const written = new Map<string, Row>();
    for (const p of ordered) {
      try {
        const data = await rowData(p, client, written, values, enums, target.tenantField, options);
        const row = await delegateOf(client, p.model).create({ data: data.row });
        written.set(p.model.name, row);
        set.rows.push(canaryRow(p, row, data.canaries));
      } catch (error) {
        const reason = error instanceof SkipModel ? error.message : `writing it failed: ${errorSummary(error)}`;
        set.skipped.push({ model: p.model.name, reason });
      }
    }
  });
  set.canaries = set.rows.flatMap((r) => r.canaries);
  return set;
}

async function rowData(
  p: PlannedModel,
  client: unknown,
  written: Map<string, Row>,
  values: CanaryValues,
  enums: Map<string, string>,
  tenantField: string,
  options: CanarySeedOptions,
): Promise<{ row: Row; canaries: Canary[] }> {
  const { model, table } = p;
  const fieldOf = (m: CanaryModel, column: string) => m.fields.find((f) => f.column === column);
  const row: Row = {};
  const canaries: Canary[] = [];
  const keep = (field: string, value: unknown, search?: string) => {
    row[field] = value;
    if (search !== undefined) canaries.push({ value: search, model: model.name, field });
  };
  for (const { key, parent, required } of p.parents) {
    // An optional key to its own model stays empty: the row would point at itself or at an unrelated row.
    if (!required && parent?.name === model.name) continue;
    const parentRow = parent && (written.get(parent.name) ?? (await existingRow(client, parent)));
    if (!parent || !parentRow) {
      if (!required) continue;
      throw new SkipModel(
        parent
          ? `it needs a ${parent.name} row: none could be written or found (shared and skipped models are not written)`
          : `its foreign key to "${key.refTable}" points at a table no Prisma model maps`,
      );
    }
    key.columns.forEach((column, i) => {
      const field = fieldOf(model, column);
      const refField = fieldOf(parent, key.refColumns[i]);
      if (field && refField && field.name !== tenantField) row[field.name] = parentRow[refField.name];
    });
  }
  // Key columns hold the parent's values or nothing: a made-up value would break the foreign key.
  const keyColumns = new Set(p.parents.flatMap((x) => x.key.columns));
  for (const column of table.columns) {
    const field = fieldOf(model, column.column);
    if (!field) {
      if (column.notNull && !column.hasDefault) throw new SkipModel(`column "${column.column}" has no Prisma field`);
      continue;
    }
    if (field.name === tenantField || field.name in row) continue;
    const given = options.canaryData?.[model.name]?.[field.name];
    if (given !== undefined) {
      keep(field.name, given, typeof given === 'string' && given.length >= 8 ? given : undefined);
      continue;
    }
    if (column.hasDefault || keyColumns.has(column.column) || !wanted(column, field.type)) continue;
    const value = values.forColumn(field, column, enums.get(field.type));
    if (value) keep(field.name, value.value, value.search);
    else if (column.notNull) {
      throw new SkipModel(`no value for ${field.name} (${column.sqlType}): give one in canaryData.${model.name}`);
    }
  }
  return { row, canaries };
}

/** Required columns get a value; optional ones only when they take a marker string, the easiest thing to spot. */
function wanted(column: CatalogColumn, type: string): boolean {
  return column.notNull || (type === 'String' && CanaryValues.isText(column));
}

function canaryRow(p: PlannedModel, row: Row, canaries: Canary[]): CanaryRow {
  const keys = p.table.columns
    .filter((c) => c.primaryKey)
    .map((c) => p.model.fields.find((f) => f.column === c.column));
  const where =
    keys.length && keys.every(Boolean) ? Object.fromEntries(keys.map((f) => [f!.name, row[f!.name]])) : undefined;
  // A key the database generated (a uuid or cuid default) is as telling as a marker.
  for (const [field, value] of Object.entries(where ?? {})) {
    if (typeof value === 'string' && value.length >= 12 && !canaries.some((c) => c.value === value))
      canaries.push({ value, model: p.model.name, field });
  }
  return { model: p.model.name, delegate: p.model.delegate, row, where, canaries };
}

async function existingRow(client: unknown, model: CanaryModel): Promise<Row | null> {
  return delegateOf(client, model)
    .findFirst()
    .catch(() => null);
}

export function delegateOf(client: unknown, model: { delegate: string }): Delegate {
  return (client as Record<string, Delegate>)[model.delegate];
}

export function errorSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? message
  );
}
