// Every way of running a tenant's query, side by side in one process, as
// ratios to plain Prisma and to the raw `pg` floor: primary-key findFirst,
// findMany of 50 rows, create. Variants: plain Prisma (the baseline), raw pg,
// raw pg with BEGIN; set_config; statement; COMMIT in one round trip (the
// floor of a transaction-local tenant), Prisma's documented RLS recipe, and
// the package in RLS transaction mode (default), RLS session mode, and the
// schema and database strategies on a pool hit, each with the tenant entered
// once per turn of queries and once per query.
//
// The variants take turns every BENCH_BLOCK queries (order rotated every
// turn), so load that drifts over milliseconds hits them alike; each round's
// ratio is taken against the baseline's mean in that same round, and the
// table shows the median over rounds with its interquartile range and the
// half-width of a 95% bootstrap interval of that median (two runs agree
// within about twice it). The goals of issue 11 are printed with PASS/MISS.
//
//   npm run bench                       (about 2-3 minutes)
//
// Database as in bench/support/bench-database.ts (BENCH_DATABASE_URL, else
// local 5432, else embedded PostgreSQL); scratch databases, dropped at the end.
// Env, defaults in brackets:
//   BENCH_ROUNDS [30] measured rounds (plus one warm-up), BENCH_N [300] queries per variant per round,
//   BENCH_BLOCK [20] queries per turn, BENCH_OPS [findFirst,findMany,create],
//   BENCH_VARIANTS [floor,recipe,rls,schema,database] groups beside plain Prisma.
import 'reflect-metadata';
import { envList, envNumber, machineLine, passMiss } from './support/bench-env';
import { pairedRounds, type PairedResult } from './support/paired-rounds';
import { range, ratioOverRounds, times, type RatioSummary } from './support/ratio-stats';
import { median, printTable } from './support/timing';
import { createRlsBenchData, ROW } from './rls/rls-data';
import {
  type BenchVariant,
  createVariants,
  type Operation,
  OPERATIONS,
  PLAIN,
  RAW_PG,
  RLS_FLOORS,
  TENANT_TABLE_FLOORS,
  type VariantGroup,
} from './rls/rls-variants';

const ROUNDS = envNumber('BENCH_ROUNDS', 30);
const N = envNumber('BENCH_N', 300);
const BLOCK = envNumber('BENCH_BLOCK', 20);
const OPS = envList('BENCH_OPS', OPERATIONS);
const GROUPS = new Set(envList('BENCH_VARIANTS', ['floor', 'recipe', 'rls', 'schema', 'database'] as const));

/** Issue 11's goals: the median ratio to plain Prisma on the same data, per operation. */
// `floor`: the variant that sends what the package makes PostgreSQL do, the raw pg variant it
// is compared with, and the plain Prisma baseline of the goal (see pgFloor).
type Floor = { floor: string; raw: string; plain: string };
const GOALS: Array<{ group: VariantGroup; label: string; goal: number; floor: Floor }> = [
  {
    group: 'rls-tx',
    label: 'RLS transaction (default)',
    goal: 1.15,
    floor: { floor: RLS_FLOORS.transaction, raw: RAW_PG, plain: PLAIN },
  },
  {
    group: 'rls-tx-unnamed',
    label: 'RLS transaction, statementCacheSize 0',
    goal: 1.15,
    floor: { floor: RLS_FLOORS.transaction, raw: RAW_PG, plain: PLAIN },
  },
  {
    group: 'rls-session',
    label: 'RLS session',
    goal: 1.05,
    floor: { floor: RLS_FLOORS.session, raw: RAW_PG, plain: PLAIN },
  },
  {
    group: 'schema',
    label: 'schema (pool hit)',
    goal: 1.05,
    floor: { ...TENANT_TABLE_FLOORS.schema, plain: 'plain Prisma, schema data' },
  },
  {
    group: 'schema-unnamed',
    label: 'schema (pool hit), statementCacheSize 0',
    goal: 1.05,
    floor: { ...TENANT_TABLE_FLOORS.schema, plain: 'plain Prisma, schema data' },
  },
  {
    group: 'database',
    label: 'database (pool hit)',
    goal: 1.05,
    floor: { ...TENANT_TABLE_FLOORS.database, plain: 'plain Prisma, database data' },
  },
  {
    group: 'database-unnamed',
    label: 'database (pool hit), statementCacheSize 0',
    goal: 1.05,
    floor: { ...TENANT_TABLE_FLOORS.database, plain: 'plain Prisma, database data' },
  },
];

interface Row {
  op: Operation;
  variant: BenchVariant;
  result: PairedResult;
  toPlain: RatioSummary;
  toPg?: RatioSummary;
  cpuToPlain: RatioSummary;
}

/** Runs each variant's operation once and checks it returns its own tenant's rows: otherwise the bench measures nothing. */
async function check(variants: BenchVariant[]): Promise<void> {
  const tenantOf = (row: unknown) => {
    const r = row as { tenantId?: string; tenant_id?: string } | undefined;
    return r?.tenantId ?? r?.tenant_id;
  };
  for (const v of variants) {
    await v.run(async () => {
      const first = (await v.queries.findFirst()) as { id?: string } | undefined;
      if (first?.id !== ROW || tenantOf(first) !== v.tenantId)
        throw new Error(`${v.name}: findFirst did not find the row`);
      const many = (await v.queries.findMany()) as unknown[];
      if (many.length !== 50 || many.some((r) => tenantOf(r) !== v.tenantId))
        throw new Error(`${v.name}: findMany did not return 50 rows of ${v.tenantId}`);
      const created = await v.queries.create();
      if (tenantOf(created) !== v.tenantId) throw new Error(`${v.name}: create did not write a row of ${v.tenantId}`);
    });
  }
}

function summarise(op: Operation, variants: BenchVariant[], results: PairedResult[]): Row[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const pg = byName.get(RAW_PG);
  return variants.map((variant) => {
    const result = byName.get(variant.name)!;
    const base = byName.get(variant.baseline ?? PLAIN)!;
    return {
      op,
      variant,
      result,
      toPlain: ratioOverRounds(result.wallRounds, base.wallRounds),
      toPg: pg && ratioOverRounds(result.wallRounds, pg.wallRounds),
      cpuToPlain: ratioOverRounds(result.cpuRounds, base.cpuRounds),
    };
  });
}

function printResults(rows: Row[]): void {
  printTable(
    ['operation', 'variant', 'µs/query', 'x plain', 'IQR', '±95%', 'x raw pg', 'CPU µs', 'CPU x plain'],
    rows.map((r) => {
      const own = r.variant.baseline === r.variant.name;
      return [
        r.op,
        r.variant.name,
        r.result.wallUs.toFixed(0),
        own ? '1.00x' : times(r.toPlain.median),
        own ? '' : range(r.toPlain),
        own ? '' : r.toPlain.ci95.toFixed(3),
        r.toPg ? times(r.toPg.median) : '-',
        r.result.cpuUs.toFixed(0),
        own ? '1.00x' : times(r.cpuToPlain.median),
      ];
    }),
    2,
  );
}

/**
 * PostgreSQL's floor for a goal, as a ratio to plain Prisma: what the floor
 * variant costs beyond raw pg (the policies, the set_config: for the schema
 * and database strategies, the settings their writes run with), added to plain
 * Prisma, per round; the median. An estimate: behind Prisma, some of
 * PostgreSQL's work after a statement overlaps the client's. Undefined
 * without the floor variants.
 */
function pgFloor(rows: Row[], op: Operation, names: Floor): number | undefined {
  const of = (name: string) => rows.find((r) => r.op === op && r.variant.name === name)?.result.wallRounds;
  const [floor, pg, plain] = [of(names.floor), of(names.raw), of(names.plain)];
  if (!floor || !pg || !plain) return undefined;
  return median(plain.map((p, i) => (p + floor[i] - pg[i]) / p));
}

function printGoals(rows: Row[]): void {
  const cell = (r: Row | undefined, goal: number) =>
    r ? `${times(r.toPlain.median)} ±${r.toPlain.ci95.toFixed(2)} ${passMiss(r.toPlain.median, goal)}` : '-';
  const lines: string[][] = [];
  for (const { group, label, goal, floor } of GOALS) {
    for (const op of OPS) {
      const of = (entry: 'block' | 'query') =>
        rows.find((r) => r.op === op && r.variant.group === group && r.variant.entry === entry);
      if (!of('block') && !of('query')) continue;
      const pgOnly = pgFloor(rows, op, floor);
      lines.push([
        `${label} <= ${goal.toFixed(2)}x`,
        op,
        cell(of('block'), goal),
        cell(of('query'), goal),
        pgOnly === undefined ? '-' : times(pgOnly),
      ]);
    }
  }
  if (lines.length === 0) return;
  console.log('\nGoals (issue 11), median ratio to plain Prisma on the same data ±95% interval:\n');
  printTable(['goal', 'operation', 'tenant per block', 'tenant per query', 'PostgreSQL floor'], lines, 2);
  console.log(
    '\nPostgreSQL floor (with BENCH_VARIANTS including floor): plain Prisma plus what PostgreSQL alone adds for ' +
      "the tenant (the goal's raw pg floor variant minus raw pg on the same data, per round: RLS's policies and set_config; " +
      'the settings the schema and database strategies run writes with), as a ratio to plain Prisma: ' +
      "an estimate of the ratio PostgreSQL's own work sets on this machine. It is not exact (behind Prisma's slower " +
      "client, some of PostgreSQL's work after a statement overlaps the client's), so a ratio can land a little under it; " +
      "a ratio near it means the time goes to PostgreSQL, the distance above it is the package's own (extension, context, pool).",
  );
}

async function main() {
  const data = await createRlsBenchData({ schema: GROUPS.has('schema'), database: GROUPS.has('database') });
  const variants: BenchVariant[] = [];
  try {
    variants.push(...(await createVariants(data, GROUPS)));
    await check(variants);
    await data.deleteCreated();
    const startLine = machineLine();
    const rows: Row[] = [];
    for (const op of OPS) {
      const started = Date.now();
      const results = await pairedRounds(
        variants.map((v) => ({ name: v.name, run: v.run, query: v.queries[op], baseline: v.baseline })),
        {
          rounds: ROUNDS,
          n: N,
          interleave: true,
          block: BLOCK,
          afterRound: op === 'create' ? () => data.deleteCreated() : undefined,
        },
      );
      process.stderr.write(`${op}: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      rows.push(...summarise(op, variants, results));
    }
    console.log(
      `\nTenant queries side by side: ${ROUNDS} interleaved rounds x ${N} queries per variant and operation, turns of ${BLOCK}; ` +
        `medians over rounds of each round's ratio\nstart: ${startLine}\nend:   ${machineLine()}\n`,
    );
    printResults(rows);
    console.log(
      '\nx plain: ratio to plain Prisma in the same round (schema and database rows: plain Prisma on their own data); ' +
        'IQR: its interquartile range over rounds; ±95%: half-width of a bootstrap interval of the median ' +
        '(two runs agree within about twice it). x raw pg: ratio to raw pg on the shared table ' +
        "(schema and database rows read tables of the same shape holding their tenant's rows only). " +
        'CPU: this process only (PostgreSQL excluded). Tenant per block: one TenantContext.run per turn of ' +
        `${BLOCK} queries; per query: TenantContext.run around each.`,
    );
    printGoals(rows);
    const loose = rows.filter((r) => r.variant.baseline !== r.variant.name && r.toPlain.ci95 > 0.025);
    if (loose.length > 0)
      console.log(
        `\n${loose.length} of ${rows.length} ratios have a 95% interval wider than ±0.025: two runs may differ by more ` +
          'than 0.05x. Raise BENCH_ROUNDS, or run on a quieter machine.',
      );
  } finally {
    // Each closed even when another fails: a pool left open would crash the process when data.stop() drops its database.
    for (const v of variants) await v.close().catch((error: unknown) => console.error(`closing "${v.name}":`, error));
    await data.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
