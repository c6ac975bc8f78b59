/** One column of a model's table, as PostgreSQL describes it. */
export interface CatalogColumn {
  column: string;
  notNull: boolean;
  /** A default, an identity or a generated column: the database fills it. */
  hasDefault: boolean;
  generated: boolean;
  primaryKey: boolean;
  /** `format_type()`: `text`, `character varying(20)`, `uuid`, `integer`, `timestamp(3) without time zone`, `text[]`... */
  sqlType: string;
  /** First label of the column's enum type, when it is one. */
  enumLabel: string | null;
}

/** A foreign key of a model's table. */
export interface CatalogForeignKey {
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

/** What the catalog says about one table; `null` when the table is not there. */
export interface CatalogTable {
  schema: string;
  columns: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
}

/** The raw SQL method of a Prisma client: all the catalog reads need. */
export interface RawQueryClient {
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
}

// Resolved with the search path of the tenant's own raw SQL, so the schema
// strategy reads the tenant's schema and the database strategy its database.
const TABLE_SQL = `SELECT to_regclass(format('%I.%I', COALESCE($1::text, current_schema()), $2::text))::oid::bigint AS oid,
       COALESCE($1::text, current_schema()) AS schema`;

const COLUMNS_SQL = `
  SELECT a.attname::text AS "column", a.attnotnull AS "notNull",
         (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS "hasDefault",
         a.attgenerated <> '' AS generated,
         EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)) AS "primaryKey",
         format_type(a.atttypid, a.atttypmod) AS "sqlType",
         (SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1) AS "enumLabel"
    FROM pg_attribute a
   WHERE a.attrelid = $1::bigint::oid AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY a.attnum`;

const FOREIGN_KEYS_SQL = `
  SELECT ARRAY(SELECT att.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.n ORDER BY k.o) AS columns,
         rn.nspname::text AS "refSchema", rc.relname::text AS "refTable",
         ARRAY(SELECT att.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute att ON att.attrelid = con.confrelid AND att.attnum = k.n ORDER BY k.o) AS "refColumns"
    FROM pg_constraint con
    JOIN pg_class rc ON rc.oid = con.confrelid
    JOIN pg_namespace rn ON rn.oid = rc.relnamespace
   WHERE con.contype = 'f' AND con.conrelid = $1::bigint::oid
   ORDER BY con.conname`;

/**
 * Reads a table's columns and foreign keys from pg_catalog, through the
 * tenant's own client: Prisma 7's runtime data model names fields and types
 * but not which are required, defaulted or keys, and the database is the
 * authority on those anyway.
 */
export async function readCatalogTable(
  client: RawQueryClient,
  schema: string | null,
  table: string,
): Promise<CatalogTable | null> {
  const [found] = await client.$queryRawUnsafe<{ oid: bigint | number | null; schema: string }[]>(
    TABLE_SQL,
    schema,
    table,
  );
  if (found?.oid === null || found?.oid === undefined) return null;
  const oid = String(found.oid);
  const columns = await client.$queryRawUnsafe<CatalogColumn[]>(COLUMNS_SQL, oid);
  const foreignKeys = await client.$queryRawUnsafe<CatalogForeignKey[]>(FOREIGN_KEYS_SQL, oid);
  return { schema: found.schema, columns, foreignKeys };
}
