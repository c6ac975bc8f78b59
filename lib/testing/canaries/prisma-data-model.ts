import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { readRuntimeModels, type RuntimeModel } from '../../prisma/prisma-runtime-models';

export type { RuntimeField, RuntimeModel } from '../../prisma/prisma-runtime-models';

/** A model the kit can write canary rows of. */
export interface CanaryModel {
  /** Prisma's name, `Project`. */
  name: string;
  /** The client's property, `project`. */
  delegate: string;
  /** `@@schema`, or `null` for the search path's first schema. */
  schema: string | null;
  table: string;
  /** Scalar and enum fields, with their column names. */
  fields: { name: string; column: string; kind: string; type: string }[];
}

type ClientInternals = { _engineConfig?: { inlineSchema?: string } };

/**
 * Every model of a generated Prisma client, read from its runtime data model
 * (`_runtimeDataModel`, present on generated and extended clients of Prisma
 * 6 and 7): Prisma 7's `prisma-client` generator exports no `Prisma.dmmf`.
 */
export function readPrismaModels(client: unknown): CanaryModel[] {
  const models = readRuntimeModels(client);
  if (!models) {
    throw new TenancyConfigError(
      'prisma',
      "cannot read the Prisma client's data model (_runtimeDataModel): pass the client your createClient builds",
    );
  }
  return Object.entries(models).map(([name, model]: [string, RuntimeModel]) => ({
    name,
    delegate: name.charAt(0).toLowerCase() + name.slice(1),
    schema: model.schema ?? null,
    table: model.dbName ?? name,
    fields: model.fields
      .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
      .map((f) => ({ name: f.name, column: f.dbName ?? f.name, kind: f.kind, type: f.type })),
  }));
}

/**
 * The first value of each enum of the schema, by enum name, read from the
 * schema text the client carries: the runtime data model lists no enum
 * values, and the database's labels differ from Prisma's names under `@map`.
 */
export function readFirstEnumValues(client: unknown): Map<string, string> {
  const schema = (client as ClientInternals)?._engineConfig?.inlineSchema ?? '';
  const values = new Map<string, string>();
  for (const match of schema.matchAll(/^\s*enum\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const first = match[2]
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .find((line) => /^[A-Za-z_]/.test(line));
    if (first) values.set(match[1], first.split(/\s/)[0]);
  }
  return values;
}
