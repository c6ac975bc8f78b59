import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { escapeIdentifier, escapeLiteral, Pool } from 'pg';
import { PrismaClient } from '../../test/fixtures/generated/client';
import type { Tenant, TenancyModuleOptions } from '../../lib';
import { queryInImplicitTransaction } from '../../lib/strategies/shared/implicit-transaction.query';
import { setConfigSql } from '../../lib/strategies/shared/pipelined-settings';
import { bootTenancyApp } from '../support/tenancy-app';
import { CREATED, ROW, TENANT, type RlsBenchData } from './rls-data';

export const OPERATIONS = ['findFirst', 'findMany', 'create'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Which goal a variant is held to, and the data its ratio is taken against. */
export type VariantGroup =
  | 'plain'
  | 'floor'
  | 'recipe'
  | 'rls-tx'
  | 'rls-tx-unnamed'
  | 'rls-session'
  | 'schema'
  | 'schema-unnamed'
  | 'database'
  | 'database-unnamed';

// The label the package's variants carry when their statement cache is off.
const UNNAMED = 'statementCacheSize 0 (unnamed, as Prisma sends them)';

/** One way of running the three operations, as the table lists it. */
export interface BenchVariant {
  name: string;
  group: VariantGroup;
  /** `block`: the tenant entered once per turn of queries; `query`: `TenantContext.run` around every query. */
  entry?: 'block' | 'query';
  /** The variant this one's "x plain" is taken against: plain Prisma on the same data. Default: plain Prisma. */
  baseline?: string;
  /** The tenant whose rows it must see. */
  tenantId: string;
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  queries: Record<Operation, () => Promise<unknown>>;
  close(): Promise<void>;
}

export const PLAIN = 'plain Prisma';
/** Plain Prisma with its pg adapter's `statementNameGenerator`: named statements without the package. */
export const PLAIN_NAMED = 'plain Prisma, named statements (statementNameGenerator)';
export const RAW_PG = 'raw pg';
/** The floor variants of the two RLS modes (see rlsFloorVariant). */
export const RLS_FLOORS = {
  session: 'raw pg as the app role, tenant on the session: the policies alone',
  transaction: 'raw pg as the app role, set_config + statement in one implicit transaction',
} as const;
/** The floor variants of the schema and database data (see tenantTableFloorVariants): raw pg, and raw pg with the settings on writes. */
export const TENANT_TABLE_FLOORS = {
  schema: {
    raw: 'raw pg, schema data',
    floor: 'raw pg, schema data, writes with the settings in one implicit transaction',
  },
  database: {
    raw: 'raw pg, database data',
    floor: 'raw pg, database data, writes with the settings in one implicit transaction',
  },
} as const;

// The columns Prisma selects by default: the raw variants read as much.
const COLUMNS = 'id, tenant_id, name, budget, created_at';

/** Plain Prisma on a pg pool; the user names the tenant in every query (shared table) or not at all (its own table). */
function plainQueries(
  client: PrismaClient,
  tenantId: string,
  filter: boolean,
): Record<Operation, () => Promise<unknown>> {
  const where = filter ? { tenantId } : {};
  return {
    findFirst: () => client.project.findFirst({ where: { id: ROW } }),
    findMany: () => client.project.findMany({ where, take: 50 }),
    create: () => client.project.create({ data: { tenantId, name: CREATED } }),
  };
}

/** What a user of the package writes: no tenant anywhere. */
function tenantFreeQueries(client: () => PrismaClient): Record<Operation, () => Promise<unknown>> {
  return {
    findFirst: () => client().project.findFirst({ where: { id: ROW } }),
    findMany: () => client().project.findMany({ take: 50 }),
    create: () => client().project.create({ data: { name: CREATED } }),
  };
}

const direct = <T>(fn: () => Promise<T>) => fn();

/**
 * Plain Prisma (`PrismaPg`, no extension). `filter`: the user names the
 * tenant in reads (a shared table); in a tenant's own schema or database
 * there is nothing to filter. `schema`: PrismaPg's `{ schema }`.
 */
export function plainVariant(
  name: string,
  url: string,
  tenantId: string,
  options: { schema?: string; filter?: boolean; named?: boolean } = {},
): BenchVariant {
  const pool = new Pool({ connectionString: url, max: 10 });
  // Prisma's own way to named statements: what a user of plain Prisma can turn on without the package.
  const statementNameGenerator = options.named
    ? (query: { sql: string }) => `s_${createHash('sha1').update(query.sql).digest('hex')}`
    : undefined;
  const client = new PrismaClient({
    adapter: new PrismaPg(pool, { ...(options.schema ? { schema: options.schema } : {}), statementNameGenerator }),
  });
  return {
    name,
    group: options.named ? 'floor' : 'plain',
    baseline: options.named ? undefined : name,
    tenantId,
    run: direct,
    queries: plainQueries(client, tenantId, options.filter ?? false),
    close: async () => {
      await client.$disconnect();
      await pool.end();
    },
  };
}

/**
 * Plain Prisma with each query run in a fresh `AsyncLocalStorage` context of
 * its own (an empty store): no tenant, no package, only what entering a new
 * async context per unit of work costs, which any per-query tenant entry
 * pays (nestjs-cls and `TenantContext.run` rest on AsyncLocalStorage). The
 * reference for the "tenant per query" rows.
 */
export function plainPerContextVariant(url: string, tenantId: string): BenchVariant {
  const plain = plainVariant(`${PLAIN}, each query in a fresh AsyncLocalStorage context`, url, tenantId, {
    filter: true,
  });
  const storage = new AsyncLocalStorage<object>();
  const queries = Object.fromEntries(
    Object.entries(plain.queries).map(([op, query]) => [op, () => storage.run({}, query)]),
  ) as BenchVariant['queries'];
  return { ...plain, group: 'floor', baseline: undefined, queries };
}

type Statement = (sql: string, values: unknown[]) => Promise<unknown[]>;

/** A statement run with `setSql` in one implicit transaction, as the package runs it, on a connection of `pool`. */
function inImplicitTransaction(pool: Pool, setSql: string): Statement {
  return async (sql, values) => {
    const client = await pool.connect();
    try {
      return ((await queryInImplicitTransaction(client, setSql, sql, values)) as { rows: unknown[] }).rows;
    } finally {
      client.release();
    }
  };
}

/**
 * The parameterised statements Prisma would send, run by `statement`. `policies`: the
 * reads name no tenant, as the package's reads under RLS do (the policies filter).
 */
function rawQueries(
  statement: Statement,
  policies: boolean,
  tenantId: string = TENANT,
): Record<Operation, () => Promise<unknown>> {
  return {
    findFirst: async () => (await statement(`SELECT ${COLUMNS} FROM projects WHERE id = $1 LIMIT $2`, [ROW, 1]))[0],
    findMany: () =>
      policies
        ? statement(`SELECT ${COLUMNS} FROM projects LIMIT $1`, [50])
        : statement(`SELECT ${COLUMNS} FROM projects WHERE tenant_id = $1 LIMIT $2`, [tenantId, 50]),
    create: async () =>
      (
        await statement(`INSERT INTO projects (id, tenant_id, name) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [
          randomUUID(),
          tenantId,
          CREATED,
        ])
      )[0],
  };
}

/** Raw `pg` (superuser, no RLS): the parameterised statements Prisma would send, and nothing else. */
export function rawPgVariant(url: string): BenchVariant {
  const pool = new Pool({ connectionString: url, max: 10 });
  return {
    name: RAW_PG,
    group: 'floor',
    tenantId: TENANT,
    run: direct,
    queries: rawQueries(async (sql, values) => (await pool.query(sql, values)).rows, false),
    close: () => pool.end(),
  };
}

/**
 * What PostgreSQL alone adds for the tenant, with no Prisma and no package:
 * raw `pg` as the app role, the same statements as raw pg. `session`: the
 * tenant set once on each connection, so only the policies cost (session
 * mode's floor). `transaction`: `set_config(..., true)` and the statement in
 * one implicit transaction, the very messages the package sends in its
 * default mode (its floor). Their difference to raw pg, added to plain
 * Prisma, estimates the ratio PostgreSQL's own work sets on this machine.
 */
export function rlsFloorVariant(url: string, mode: 'session' | 'transaction'): BenchVariant {
  // Session mode: the tenant set at connection start-up, so no statement of its own runs (nor races the first one).
  const startup = mode === 'session' ? { options: `-c app.tenant_id=${TENANT}` } : {};
  const pool = new Pool({ connectionString: url, max: 10, ...startup });
  const setSql = `SELECT set_config('app.tenant_id', ${escapeLiteral(TENANT)}, true)`;
  const statement: Statement =
    mode === 'session'
      ? async (sql, values) => (await pool.query(sql, values)).rows
      : inImplicitTransaction(pool, setSql);
  return {
    name: RLS_FLOORS[mode],
    group: 'floor',
    tenantId: TENANT,
    run: direct,
    queries: rawQueries(statement, true),
    close: () => pool.end(),
  };
}

/**
 * The schema and database strategies' floor: raw `pg` on the tenant's own
 * table (`raw`), and the same with writes run as the package runs them
 * (`floor`): the tenant's settings (`set_config(..., true)`: the tenant, and
 * the schema strategy's `search_path`) and the statement in one implicit
 * transaction, so column defaults and triggers see them. Reads are the same
 * statements in both (the package sends none of the settings with a read).
 */
export function tenantTableFloorVariants(
  names: { raw: string; floor: string },
  url: string,
  tenantId: string,
  schema?: string,
): BenchVariant[] {
  const settings: Record<string, string> = schema ? { search_path: `${escapeIdentifier(schema)}, pg_temp` } : {};
  const setSql = setConfigSql({ ...settings, 'app.tenant_id': tenantId }, true);
  const pool = new Pool({ connectionString: url, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  const plain: Statement = async (sql, values) => (await pool.query(sql, values)).rows;
  const write = inImplicitTransaction(pool, setSql);
  const withSettings: Statement = (sql, values) => (sql.startsWith('INSERT') ? write : plain)(sql, values);
  const common = { group: 'floor' as const, tenantId, run: direct };
  return [
    { ...common, name: names.raw, queries: rawQueries(plain, false, tenantId), close: () => pool.end() },
    { ...common, name: names.floor, queries: rawQueries(withSettings, false, tenantId), close: async () => undefined },
  ];
}

/**
 * Raw `pg` as the app role (RLS enforced), the tenant set transaction-locally:
 * `BEGIN; SELECT set_config(...); <statement>; COMMIT` as one simple-query
 * message, one round trip. The least a transaction-local tenant can cost.
 */
export function rawPgTransactionVariant(url: string): BenchVariant {
  const pool = new Pool({ connectionString: url, max: 10 });
  const tenant = escapeLiteral(TENANT);
  const inTransaction = async (sql: string) => {
    const results = (await pool.query(
      `BEGIN; SELECT set_config('app.tenant_id', ${tenant}, true); ${sql}; COMMIT`,
    )) as unknown as Array<{ rows: unknown[] }>;
    return results[2].rows;
  };
  return {
    name: 'raw pg, BEGIN; set_config; statement; COMMIT (1 round trip)',
    group: 'floor',
    tenantId: TENANT,
    run: direct,
    queries: {
      findFirst: async () =>
        (await inTransaction(`SELECT ${COLUMNS} FROM projects WHERE id = ${escapeLiteral(ROW)} LIMIT 1`))[0],
      findMany: () => inTransaction(`SELECT ${COLUMNS} FROM projects WHERE tenant_id = ${tenant} LIMIT 50`),
      create: async () =>
        (
          await inTransaction(
            `INSERT INTO projects (id, tenant_id, name) VALUES (${escapeLiteral(randomUUID())}, ${tenant}, ${escapeLiteral(CREATED)}) RETURNING ${COLUMNS}`,
          )
        )[0],
    },
    close: () => pool.end(),
  };
}

/** Prisma's documented RLS recipe: every operation in a batch transaction after `set_config`. */
export function recipeVariant(url: string): BenchVariant {
  const pool = new Pool({ connectionString: url, max: 10 });
  const base = new PrismaClient({ adapter: new PrismaPg(pool) });
  const recipe = base.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const [, result] = await base.$transaction([
            base.$executeRaw`SELECT set_config('app.tenant_id', ${TENANT}, TRUE)`,
            query(args),
          ]);
          return result;
        },
      },
    },
  }) as unknown as PrismaClient;
  return {
    name: "Prisma's RLS recipe",
    group: 'recipe',
    tenantId: TENANT,
    run: direct,
    queries: tenantFreeQueries(() => recipe),
    close: async () => {
      await base.$disconnect();
      await pool.end();
    },
  };
}

/**
 * The package booted on `options`, as two variants sharing one app: the
 * tenant entered once per turn of queries, and entered for every query
 * (`TenantContext.run` each time, as a job or a per-message handler does).
 * `otherTenants` are known to the app too but not queried.
 */
export async function packageVariants(
  label: string,
  group: VariantGroup,
  url: string,
  tenant: Tenant,
  options: Partial<TenancyModuleOptions<PrismaClient>>,
  baseline?: string,
  otherTenants: Tenant[] = [],
): Promise<BenchVariant[]> {
  const app = await bootTenancyApp(url, [tenant, ...otherTenants], { pool: { max: 10 }, ...options });
  const queries = tenantFreeQueries(() => app.prisma.client);
  const perQuery = Object.fromEntries(
    Object.entries(queries).map(([op, q]) => [op, () => app.context.run(tenant.id, q)]),
  ) as BenchVariant['queries'];
  const common = { group, baseline, tenantId: tenant.id };
  const strategy = options.strategy;
  if (strategy === 'schema' || strategy === 'database') {
    // The first query builds the tenant's client; the bench must measure the hits after it.
    const hits = () => app.pools.stats()[strategy]?.hits ?? 0;
    await app.context.run(tenant.id, queries.findFirst);
    const before = hits();
    await app.context.run(tenant.id, queries.findFirst);
    if (hits() !== before + 1) throw new Error(`${label}: a query on a pooled tenant was not a pool hit`);
  }
  return [
    {
      ...common,
      name: `${label}, tenant per block`,
      entry: 'block',
      run: (fn) => app.context.run(tenant.id, fn),
      queries,
      close: () => app.close(),
    },
    {
      ...common,
      name: `${label}, tenant per query`,
      entry: 'query',
      run: direct,
      queries: perQuery,
      close: async () => undefined, // the app closes with the first
    },
  ];
}

/** Every variant the data allows, in table order; `groups` picks some. */
export async function createVariants(data: RlsBenchData, groups: ReadonlySet<string>): Promise<BenchVariant[]> {
  const variants: BenchVariant[] = [plainVariant(PLAIN, data.db.adminUrl, TENANT, { filter: true })];
  if (groups.has('floor'))
    variants.push(
      plainPerContextVariant(data.db.adminUrl, TENANT),
      plainVariant(PLAIN_NAMED, data.db.adminUrl, TENANT, { filter: true, named: true }),
      rawPgVariant(data.db.adminUrl),
      rawPgTransactionVariant(data.db.appUrl),
      rlsFloorVariant(data.db.appUrl, 'session'),
      rlsFloorVariant(data.db.appUrl, 'transaction'),
    );
  if (groups.has('recipe')) variants.push(recipeVariant(data.db.appUrl));
  const rlsTenant = { id: TENANT, status: 'active' as const };
  if (groups.has('rls')) {
    const setups = [
      { label: 'package, RLS transaction (default)', group: 'rls-tx', rls: { mode: 'transaction' } },
      {
        label: `package, RLS transaction, ${UNNAMED}`,
        group: 'rls-tx-unnamed',
        rls: { mode: 'transaction', statementCacheSize: 0 },
      },
      { label: 'package, RLS session', group: 'rls-session', rls: { mode: 'session' } },
    ] as const;
    for (const { label, group, rls } of setups)
      variants.push(...(await packageVariants(label, group, data.db.appUrl, rlsTenant, { strategy: 'rls', rls })));
  }
  if (data.schema) {
    const { db, tenantId, schemaName } = data.schema;
    const plain = plainVariant('plain Prisma, schema data', db.appUrl, tenantId, { schema: schemaName });
    variants.push(plain);
    for (const size of [undefined, 0]) {
      const pkg = await packageVariants(
        size === 0 ? `package, schema (pool hit), ${UNNAMED}` : 'package, schema (pool hit)',
        size === 0 ? 'schema-unnamed' : 'schema',
        db.appUrl,
        { id: tenantId, status: 'active', schemaName },
        { strategy: 'schema', strategies: ['schema'], schema: size === 0 ? { statementCacheSize: 0 } : {} },
        plain.name,
      );
      variants.push(...pkg);
    }
    if (groups.has('floor'))
      variants.push(...tenantTableFloorVariants(TENANT_TABLE_FLOORS.schema, db.appUrl, tenantId, schemaName));
  }
  if (data.database) {
    const { tenantId, appUrl } = data.database;
    const plain = plainVariant('plain Prisma, database data', appUrl, tenantId);
    variants.push(plain);
    for (const statementCacheSize of [100, 0]) {
      const pkg = await packageVariants(
        statementCacheSize === 0 ? `package, database (pool hit), ${UNNAMED}` : 'package, database (pool hit)',
        statementCacheSize === 0 ? 'database-unnamed' : 'database',
        data.db.appUrl,
        { id: tenantId, status: 'active', databaseUrl: appUrl },
        {
          strategy: 'database',
          strategies: ['database'],
          database: { poolSize: 2, connectionBudget: 20, statementCacheSize },
        },
        plain.name,
      );
      variants.push(...pkg);
    }
    if (groups.has('floor')) variants.push(...tenantTableFloorVariants(TENANT_TABLE_FLOORS.database, appUrl, tenantId));
  }
  return variants;
}
