import type { CatalogForeignKey, CatalogTable } from './canary-catalog';
import type { CanaryModel } from './prisma-data-model';

/** A model with its table as the catalog describes it. */
export interface PlannedModel {
  model: CanaryModel;
  table: CatalogTable;
  /** Foreign keys with the model they point at (`undefined`: a table no Prisma model maps). */
  parents: { key: CatalogForeignKey; parent: CanaryModel | undefined; required: boolean }[];
}

/** Finds the model of a referenced table: by `schema.table` for `@@schema` models, else by table name. */
export function modelLookup(
  models: readonly CanaryModel[],
): (schema: string, table: string) => CanaryModel | undefined {
  const qualified = new Map(models.filter((m) => m.schema).map((m) => [`${m.schema}.${m.table}`, m]));
  const plain = new Map(models.filter((m) => !m.schema).map((m) => [m.table, m]));
  return (schema, table) => qualified.get(`${schema}.${table}`) ?? plain.get(table);
}

/**
 * A foreign key is required when one of its columns, other than the tenant
 * column the package fills, is NOT NULL: then the parent row must exist first.
 */
export function isRequiredKey(key: CatalogForeignKey, table: CatalogTable, tenantColumn: string | undefined): boolean {
  return key.columns.some((c) => c !== tenantColumn && table.columns.find((col) => col.column === c)?.notNull);
}

/**
 * Orders models so that every model comes after the tenant-scoped models its
 * required foreign keys point at (Kahn's algorithm). Models on a cycle of
 * required keys cannot be written one at a time: they come back in `cyclic`.
 */
export function orderByDependencies(planned: readonly PlannedModel[]): {
  ordered: PlannedModel[];
  cyclic: PlannedModel[];
} {
  const names = new Set(planned.map((p) => p.model.name));
  const waitingOn = new Map(
    planned.map((p) => [
      p.model.name,
      new Set(
        p.parents
          .filter((x) => x.required && x.parent && names.has(x.parent.name) && x.parent.name !== p.model.name)
          .map((x) => x.parent!.name),
      ),
    ]),
  );
  const ordered: PlannedModel[] = [];
  let ready = planned.filter((p) => waitingOn.get(p.model.name)!.size === 0);
  while (ready.length) {
    ordered.push(...ready);
    for (const done of ready) for (const deps of waitingOn.values()) deps.delete(done.model.name);
    ready = planned.filter((p) => !ordered.includes(p) && waitingOn.get(p.model.name)!.size === 0);
  }
  const selfRequired = (p: PlannedModel) => p.parents.some((x) => x.required && x.parent?.name === p.model.name);
  return {
    ordered: ordered.filter((p) => !selfRequired(p)),
    cyclic: [...planned.filter((p) => !ordered.includes(p)), ...ordered.filter(selfRequired)],
  };
}
