// Does the RLS strategy's cost per query grow with the number of tenants?
// The same 1,000,000 rows in the fixture's projects table (RLS policies,
// index on (tenant_id, id) as the migrations have it; one INSERT ... SELECT
// generate_series, then ANALYZE), spread first over 10 tenants, then over
// 10,000; each time plain Prisma and the package in RLS transaction mode
// (tenant per block and per query) on one tenant's primary-key findFirst and
// findMany of 50, interleaved rounds, medians of per-round ratios. Prints
// both ratios, whether the ratio grows, and PostgreSQL's plan and execution
// time of the equivalent SQL (plain as the superuser; RLS as the app role).
//
//   npm run bench:scale                 (a few minutes: most of it inserting rows)
//
// Env, defaults in brackets: BENCH_SCALE_ROWS [1000000], BENCH_SCALE_TENANTS [10,10000]
// (rows per tenant must be >= 50), BENCH_SCALE_MODES [transaction] (add session),
// BENCH_ROUNDS [20], BENCH_N [200], BENCH_BLOCK [20], BENCH_OPS [findFirst,findMany].
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import type { Tenant } from '../lib';
import { createBenchDatabase } from './support/bench-database';
import { envList, envNumber, machineLine } from './support/bench-env';
import { pairedRounds } from './support/paired-rounds';
import { range, ratioOverRounds, times, type RatioSummary } from './support/ratio-stats';
import { printTable } from './support/timing';
import { ROW, TENANT } from './rls/rls-data';
import { type BenchVariant, packageVariants, PLAIN, plainVariant } from './rls/rls-variants';
import { explainBoth, type PlanLine } from './scale/explain';

const ROWS = envNumber('BENCH_SCALE_ROWS', 1_000_000);
const SCALES = (process.env.BENCH_SCALE_TENANTS ?? '10,10000').split(',').map(Number);
const MODES = envList('BENCH_SCALE_MODES', ['transaction', 'session'] as const, ['transaction']);
const ROUNDS = envNumber('BENCH_ROUNDS', 20);
const N = envNumber('BENCH_N', 200);
const BLOCK = envNumber('BENCH_BLOCK', 20);
const OPS = envList('BENCH_OPS', ['findFirst', 'findMany'] as const);

// The measured tenant is `bench` (tenant index 1), its primary-key row `bench-row` (g = 1): the names the shared variants use.
const tenantName = (i: number) => (i === 1 ? TENANT : `t${i}`);

/** Fills projects with ROWS rows over `tenants` tenants in one statement, then analyzes it. */
async function fill(adminUrl: string, tenants: number): Promise<number> {
  const pool = new Pool({ connectionString: adminUrl, max: 1 });
  const started = performance.now();
  try {
    await pool.query('TRUNCATE projects CASCADE');
    await pool.query(
      `INSERT INTO projects (id, tenant_id, name)
       SELECT CASE WHEN g = 1 THEN $1 ELSE 'p' || g END,
              CASE WHEN g % $3 = 1 THEN $2 ELSE 't' || (g % $3) END, 'n'
       FROM generate_series(1, $4::int) g`,
      [ROW, TENANT, tenants, ROWS],
    );
    await pool.query('VACUUM ANALYZE projects');
  } finally {
    await pool.end();
  }
  return performance.now() - started;
}

interface ScaleRow {
  tenants: number;
  op: string;
  variant: BenchVariant;
  wallUs: number;
  ratio?: RatioSummary;
}

async function measureScale(db: Awaited<ReturnType<typeof createBenchDatabase>>, tenants: number) {
  const ms = await fill(db.adminUrl, tenants);
  process.stderr.write(`${tenants} tenants: ${ROWS} rows inserted and analyzed in ${(ms / 1000).toFixed(1)} s\n`);
  const others: Tenant[] = Array.from({ length: tenants }, (_, i) => i)
    .filter((i) => i !== 1)
    .map((i) => ({ id: tenantName(i), status: 'active' }));
  const variants: BenchVariant[] = [plainVariant(PLAIN, db.adminUrl, TENANT, { filter: true })];
  for (const mode of MODES) {
    const label = mode === 'transaction' ? 'package, RLS transaction (default)' : 'package, RLS session';
    variants.push(
      ...(await packageVariants(
        label,
        mode === 'transaction' ? 'rls-tx' : 'rls-session',
        db.appUrl,
        { id: TENANT, status: 'active' },
        { strategy: 'rls', rls: { mode } },
        undefined,
        others,
      )),
    );
  }
  const rows: ScaleRow[] = [];
  try {
    for (const v of variants) {
      const many = (await v.run(v.queries.findMany)) as Array<{ tenantId: string }>;
      const first = (await v.run(v.queries.findFirst)) as { id: string } | null;
      if (first?.id !== ROW || many.length !== 50 || many.some((r) => r.tenantId !== TENANT))
        throw new Error(`${v.name}: did not read 50 rows and the row of ${TENANT}`);
    }
    for (const op of OPS) {
      const results = await pairedRounds(
        variants.map((v) => ({ name: v.name, run: v.run, query: v.queries[op] })),
        { rounds: ROUNDS, n: N, interleave: true, block: BLOCK },
      );
      const base = results[0];
      for (const [i, r] of results.entries())
        rows.push({
          tenants,
          op,
          variant: variants[i],
          wallUs: r.wallUs,
          ratio: i === 0 ? undefined : ratioOverRounds(r.wallRounds, base.wallRounds),
        });
    }
  } finally {
    for (const v of variants) await v.close();
  }
  const plans = await explainBoth(db, OPS);
  return { rows, plans };
}

async function main() {
  for (const t of SCALES)
    if (!Number.isInteger(t) || t < 2 || ROWS / t < 50)
      throw new Error(`BENCH_SCALE_TENANTS=${t}: need an integer >= 2 with at least 50 rows per tenant`);
  const db = await createBenchDatabase();
  const rows: ScaleRow[] = [];
  const plans: Array<PlanLine & { tenants: number }> = [];
  const startLine = machineLine();
  try {
    for (const tenants of SCALES) {
      const measured = await measureScale(db, tenants);
      rows.push(...measured.rows);
      plans.push(...measured.plans.map((p) => ({ ...p, tenants })));
    }
  } finally {
    await db.stop();
  }
  console.log(
    `\nRLS at scale: ${ROWS.toLocaleString('en')} rows over ${SCALES.join(' and ')} tenants; ` +
      `${ROUNDS} interleaved rounds x ${N} queries per variant, turns of ${BLOCK}; medians of per-round ratios to plain Prisma\n` +
      `start: ${startLine}\nend:   ${machineLine()}\n`,
  );
  printTable(
    ['tenants', 'operation', 'variant', 'µs/query', 'x plain', 'IQR', '±95%'],
    rows.map((r) => [
      r.tenants.toLocaleString('en'),
      r.op,
      r.variant.name,
      r.wallUs.toFixed(0),
      r.ratio ? times(r.ratio.median) : '1.00x',
      r.ratio ? range(r.ratio) : '',
      r.ratio ? r.ratio.ci95.toFixed(3) : '',
    ]),
    3,
  );
  console.log('\nDoes the ratio grow with the number of tenants? (largest scale minus smallest)\n');
  const [few, many] = [Math.min(...SCALES), Math.max(...SCALES)];
  const verdicts: string[][] = [];
  for (const op of OPS) {
    for (const r of rows.filter((x) => x.tenants === few && x.op === op && x.ratio)) {
      const other = rows.find((x) => x.tenants === many && x.op === op && x.variant.name === r.variant.name)!;
      const delta = other.ratio!.median - r.ratio!.median;
      // Beyond noise: more than both medians' intervals together, and more than 0.05x.
      const noise = Math.max(0.05, r.ratio!.ci95 + other.ratio!.ci95);
      verdicts.push([
        op,
        r.variant.name,
        times(r.ratio!.median),
        times(other.ratio!.median),
        `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}x`,
        delta > noise ? `GROWS (beyond ±${noise.toFixed(2)})` : `no (within ±${noise.toFixed(2)})`,
      ]);
    }
  }
  printTable(
    [
      'operation',
      'variant',
      `${few.toLocaleString('en')} tenants`,
      `${many.toLocaleString('en')} tenants`,
      'change',
      'grows',
    ],
    verdicts,
    2,
  );
  console.log(
    "\nPostgreSQL's plans for the equivalent SQL (EXPLAIN ANALYZE; plain: superuser, RLS: app role, tenant set):\n",
  );
  printTable(
    ['tenants', 'operation', 'as', 'plan', 'execution ms'],
    plans.map((p) => [p.tenants.toLocaleString('en'), p.op, p.as, p.plan, p.executionMs.toFixed(3)]),
    4,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
