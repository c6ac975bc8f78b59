/** A field of Prisma's runtime data model (Prisma 7 keeps only these properties). */
export interface RuntimeField {
  name: string;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported' | string;
  type: string;
  dbName?: string | null;
}

/** A model of Prisma's runtime data model. */
export interface RuntimeModel {
  fields: RuntimeField[];
  dbName: string | null;
  schema?: string | null;
}

type ClientInternals = {
  _runtimeDataModel?: { models?: Record<string, RuntimeModel> };
  _engineConfig?: { inlineSchema?: string; runtimeDataModel?: { models?: Record<string, RuntimeModel> } };
};

/**
 * The models of a generated Prisma client by name, read from its runtime data
 * model (`_runtimeDataModel`, present on generated and extended clients of
 * Prisma 6 and 7: Prisma 7's `prisma-client` generator exports no
 * `Prisma.dmmf`), or `undefined` when the client carries none.
 * @internal
 */
export function readRuntimeModels(client: unknown): Record<string, RuntimeModel> | undefined {
  const internals = client as ClientInternals | undefined;
  const models = internals?._runtimeDataModel?.models ?? internals?._engineConfig?.runtimeDataModel?.models;
  return models && typeof models === 'object' ? models : undefined;
}

/**
 * Models that have no scalar field named `field`, or `undefined` when the
 * data model cannot be read (callers then assume the worst).
 * @internal
 */
export function modelsWithoutField(client: unknown, field: string): Set<string> | undefined {
  const models = readRuntimeModels(client);
  if (!models) return undefined;
  return new Set(
    Object.entries(models)
      .filter(([, model]) => !model.fields.some((f) => f.name === field && (f.kind === 'scalar' || f.kind === 'enum')))
      .map(([name]) => name),
  );
}
