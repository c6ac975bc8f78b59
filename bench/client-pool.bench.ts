// The per-tenant client pool of the schema strategy (and of the database
// strategy), in one process against one database server:
//   (a) hit cost: primary-key findFirst through TenantPrisma.client for a
//       tenant whose client is pooled, as a ratio to plain Prisma (PrismaPg,
//       with { schema } for the schema strategy) on the same data, the
//       variants taking turns every BENCH_BLOCK queries. Bar: <= 1.05x. (a')
//       peels the hit path apart with PostgreSQL replayed from memory, so
//       only Node-side cost is left.
//   (b) 1,000 tenant schemas (migrated with the package's runner) cycled
//       through a client pool of 50 on a pg pool of 10: miss vs hit cost,
//       peak PostgreSQL connections (must stay at the pg pool size; for the
//       database strategy at its connection budget), peak RSS.
//   (c) 10,000 evictions and re-creations with RSS sampled every 1,000 after
//       a full GC: memory must plateau (growth over the last half < 10%).
//
//   npm run prisma:generate && node --expose-gc -r @swc-node/register bench/client-pool.bench.ts
//
// Database as in bench/support/bench-database.ts: BENCH_DATABASE_URL (a
// superuser URL), else local 5432, else embedded PostgreSQL; a scratch
// database (plus the database strategy's tenant databases), dropped at the end.
// Counts (env), defaults in brackets:
//   (a) BENCH_N [300] queries per variant per round, BENCH_ROUNDS [40], BENCH_BLOCK [20] queries per turn;
//       BENCH_REPLAY_N [300], BENCH_REPLAY_ROUNDS [20]; BENCH_PROFILE=0 skips the diagnostics
//   (b) BENCH_TENANTS [1000], BENCH_CYCLE_POOL_MAX [50], BENCH_PG_MAX [10],
//       BENCH_CYCLE_PASSES [1] sequential, BENCH_CYCLE_WORKERS [25] x BENCH_CYCLE_CONCURRENT_PASSES [2]
//   (c) BENCH_CHURN [10000] evictions, BENCH_CHURN_POOL_MAX [20], BENCH_CHURN_SAMPLE_EVERY [1000]
//   database strategy: BENCH_DB_TENANTS [100], BENCH_DB_POOL_SIZE [2], BENCH_DB_BUDGET [20],
//       BENCH_DB_CHURN [500]; BENCH_DATABASE_STRATEGY=0 skips it
//   BENCH_PHASES [a,b,c] runs only some phases.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, escapeIdentifier } from 'pg';
import { PrismaClient } from '../test/fixtures/generated/client';
import type { Tenant, TenancyModuleOptions, TenancyStrategyName } from '../lib';
import { setConfigSql } from '../lib/strategies/shared/pipelined-settings';
import { scopeArgs } from '../lib/strategies/shared/tenant-args';
import { readFastPath } from '../lib/strategies/shared/read-fast-path';
import { tenantBoundExtension } from '../lib/strategies/shared/tenant-bound.extension';
import { TenantViewPool } from '../lib/strategies/shared/tenant-view.pool';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database';
import { pairedRounds, type PairedResult, type PairedVariant } from './support/paired-rounds';
import { installQueryReplay } from './support/query-replay';
import { gcExposed, PeakSampler, percentile, PgConnectionSampler, rssMb, settledMemory } from './support/samplers';
import { bootTenancyApp, type BenchTenancyApp } from './support/tenancy-app';
import { createTenantDatabases, fillTenantDatabase } from './support/tenant-databases';
import { appRoleOf, createTenantSchemas, databaseOf, fillTenantSchema } from './support/tenant-schemas';
import { printTable } from './support/timing';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const N = num('BENCH_N', 300);
const ROUNDS = num('BENCH_ROUNDS', 40);
const BLOCK = num('BENCH_BLOCK', 20);
const REPLAY_N = num('BENCH_REPLAY_N', 300);
const REPLAY_ROUNDS = num('BENCH_REPLAY_ROUNDS', 20);
const TENANTS = num('BENCH_TENANTS', 1000);
const CYCLE_POOL_MAX = num('BENCH_CYCLE_POOL_MAX', 50);
const PG_MAX = num('BENCH_PG_MAX', 10);
const CYCLE_PASSES = num('BENCH_CYCLE_PASSES', 1);
const CYCLE_WORKERS = num('BENCH_CYCLE_WORKERS', 25);
const CYCLE_CONCURRENT_PASSES = num('BENCH_CYCLE_CONCURRENT_PASSES', 2);
const CHURN = num('BENCH_CHURN', 10_000);
const CHURN_POOL_MAX = num('BENCH_CHURN_POOL_MAX', 20);
const CHURN_SAMPLE_EVERY = num('BENCH_CHURN_SAMPLE_EVERY', 1000);
const DB_TENANTS = num('BENCH_DB_TENANTS', 100);
const DB_POOL_SIZE = num('BENCH_DB_POOL_SIZE', 2);
const DB_BUDGET = num('BENCH_DB_BUDGET', 20);
const DB_CHURN = num('BENCH_DB_CHURN', 500);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'a,b,c').split(','));
const PROFILE = process.env.BENCH_PROFILE !== '0';
const ROW = 'bench-row';
const HIT_BAR = 1.05;
const PLATEAU_BAR = 0.1;

type Db = PrismaClient;
const findRow = (db: Db, id = ROW) => db.project.findFirst({ where: { id } });

/**
 * A pooled strategy under test: how to boot the package on it, its tenants,
 * and plain Prisma on the hit tenant's data for the baseline. Each strategy
 * is one of these (schemaSetup, databaseSetup); the phases take any list.
 */
interface PooledSetup {
  name: Extract<TenancyStrategyName, 'schema' | 'database'>;
  databaseUrl: string;
  tenants: Tenant[];
  /** The tenant whose pooled client (a) measures; also in `tenants`. */
  hitTenant: Tenant;
  moduleOptions: Partial<TenancyModuleOptions<Db>>;
  /** Plain Prisma (no package) on the hit tenant's data, on a pg pool of `max`. */
  plain(max: number, extra?: { pipeline?: boolean }): { client: Db; pool: Pool; schema?: string };
  /** Whose backends count in pg_stat_activity. */
  connections: { role: string; databases: string[] };
  /** Most PostgreSQL connections (b) may see, and what that limit is. */
  connectionCap: { value: number; label: string };
  /** Evictions (c) runs to, and how often it samples memory. */
  churn: number;
  churnSampleEvery: number;
  /** Drops what the setup created beyond the bench database. */
  cleanup(): Promise<void>;
}

function tenantIds(n: number): string[] {
  const width = String(n - 1).length;
  return Array.from({ length: n }, (_, i) => `t${String(i).padStart(width, '0')}`);
}

async function schemaSetup(db: BenchDatabase): Promise<PooledSetup> {
  const started = performance.now();
  const { tenants, migrateMs } = await createTenantSchemas(db, tenantIds(TENANTS), { rowId: ROW, concurrency: 4 });
  await fillTenantSchema(db, tenants[0], 10_000);
  console.log(
    `schema strategy: ${tenants.length} tenant schemas migrated with TenantMigrationRunner in ${(migrateMs / 1000).toFixed(1)} s ` +
      `(with grants and seed rows ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const hit = tenants[0];
  return {
    name: 'schema',
    databaseUrl: db.appUrl,
    tenants: tenants.map((t) => ({ id: t.tenantId, status: 'active', schemaName: t.schema })),
    hitTenant: { id: hit.tenantId, status: 'active', schemaName: hit.schema },
    moduleOptions: { strategy: 'schema', strategies: ['schema'] },
    plain: (max, extra) => {
      const pool = new Pool({ connectionString: db.appUrl, max, ...extra } as never);
      return {
        client: new PrismaClient({ adapter: new PrismaPg(pool, { schema: hit.schema }) }),
        pool,
        schema: hit.schema,
      };
    },
    connections: { role: appRoleOf(db), databases: [databaseOf(db.appUrl)] },
    connectionCap: { value: PG_MAX, label: 'the pg pool size' },
    churn: CHURN,
    churnSampleEvery: CHURN_SAMPLE_EVERY,
    cleanup: async () => undefined, // the schemas go with the bench database
  };
}

/**
 * The database strategy: one database per tenant on the same server (fewer
 * tenants by default: each is a CREATE DATABASE, and every miss dials a new
 * connection), per-tenant pg pools of DB_POOL_SIZE under a connection budget
 * of DB_BUDGET. BENCH_DATABASE_STRATEGY=0 skips it.
 */
async function databaseSetup(db: BenchDatabase): Promise<PooledSetup | undefined> {
  if (process.env.BENCH_DATABASE_STRATEGY === '0') return undefined;
  if (!existsSync(join(__dirname, '../lib/strategies/database'))) {
    console.log('database strategy: not in lib/ yet, skipped');
    return undefined;
  }
  const ids = tenantIds(DB_TENANTS).map((id) => `d${id.slice(1)}`);
  const { tenants, setupMs, drop } = await createTenantDatabases(db, ids, { rowId: ROW });
  await fillTenantDatabase(tenants[0], 10_000);
  console.log(
    `database strategy: ${tenants.length} tenant databases (template migrated with TenantMigrationRunner, copied, seeded) in ${(setupMs / 1000).toFixed(1)} s`,
  );
  const hit = tenants[0];
  return {
    name: 'database',
    databaseUrl: db.appUrl,
    tenants: tenants.map((t) => ({ id: t.tenantId, status: 'active', databaseUrl: t.appUrl })),
    hitTenant: { id: hit.tenantId, status: 'active', databaseUrl: hit.appUrl },
    moduleOptions: {
      strategy: 'database',
      strategies: ['database'],
      database: { poolSize: DB_POOL_SIZE, connectionBudget: DB_BUDGET },
    },
    plain: (max, extra) => {
      const pool = new Pool({ connectionString: hit.appUrl, max, ...extra } as never);
      return { client: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
    },
    connections: { role: appRoleOf(db), databases: tenants.map((t) => t.database) },
    connectionCap: { value: DB_BUDGET, label: 'the connection budget' },
    churn: DB_CHURN,
    churnSampleEvery: Math.max(1, Math.round(DB_CHURN / 10)),
    cleanup: drop,
  };
}

// ---------------------------------------------------------------- (a) hit cost

interface Variant extends PairedVariant {
  close: () => Promise<void>;
}

function plainVariant(name: string, setup: PooledSetup): Variant {
  const { client, pool } = setup.plain(PG_MAX);
  return {
    name,
    run: (fn) => fn(),
    query: () => findRow(client),
    close: async () => {
      await client.$disconnect();
      await pool.end();
    },
  };
}

type Layer = 'view' | 'bound' | 'noop';
const LAYER_NAMES: Record<Layer, string> = {
  view: '  Prisma on TenantViewPool (pipelined pool), no extension',
  bound: "  + the package's tenant-bound extension, reads routed past it (read-fast-path.ts)",
  noop: '  for reference: a no-op $allOperations extension instead',
};

/**
 * Prisma on the package's TenantViewPool over a pipelined pool (what the
 * schema strategy builds per tenant), bare, with the package's tenant-bound
 * extension as the strategy configures it, or, for reference, with a no-op
 * `$allOperations` extension: peels the hit path apart, outside Nest.
 */
function layeredVariant(setup: PooledSetup, layer: Layer): Variant {
  const { pool, schema } = setup.plain(PG_MAX, { pipeline: true });
  const tenantId = setup.hitTenant.id;
  const view = new TenantViewPool(
    pool,
    setConfigSql({ search_path: escapeIdentifier(schema!), 'app.tenant_id': tenantId }, true),
    () => undefined,
    () => undefined,
  ); // guard: no tenant context in this layer profile
  const base = new PrismaClient({ adapter: new PrismaPg(view, { schema }) });
  const pass = ({ args, query }: { args: unknown; query: (args: unknown) => Promise<unknown> }) => query(args);
  let client: Db = base;
  if (layer === 'noop') {
    client = base.$extends({ query: { $allOperations: pass } } as never) as unknown as Db;
  } else if (layer === 'bound') {
    const bound = base.$extends(
      tenantBoundExtension({
        tenantId,
        tenantField: 'tenantId',
        sharedModels: new Set(['Plan']),
        currentTenantId: () => tenantId,
        shared: async () => null,
      }) as never,
    ) as unknown as Db;
    client = readFastPath(base, bound, new Set(['Plan']));
  }
  return {
    name: LAYER_NAMES[layer],
    run: (fn) => fn(),
    query: () => findRow(client),
    close: async () => {
      await base.$disconnect();
      await pool.end();
    },
  };
}

async function packageVariant(setup: PooledSetup): Promise<{ variant: Variant; app: BenchTenancyApp }> {
  const app = await bootTenancyApp(setup.databaseUrl, setup.tenants, { ...setup.moduleOptions, pool: { max: PG_MAX } });
  return {
    app,
    variant: {
      name: `package, ${setup.name} strategy (pool hit)`,
      run: (fn) => app.context.run(setup.hitTenant.id, fn),
      query: () => findRow(app.prisma.client),
      close: () => app.close(),
    },
  };
}

/** ns per call of a synchronous function, best of 5 batches. */
function nsPerCall(n: number, fn: () => unknown): number {
  let best = Infinity;
  let sink: unknown;
  for (let batch = 0; batch < 5; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return best;
}

async function checkRows(variants: Variant[]): Promise<void> {
  for (const v of variants) {
    const row = await v.run(v.query);
    if (!row) throw new Error(`${v.name} did not find the row: the benchmark would measure nothing`);
  }
}

function resultTable(results: PairedResult[]): void {
  printTable(
    ['variant', 'µs/query', 'ratio to plain', 'IQR of ratio', '+µs', 'CPU µs/query', 'CPU ratio'],
    results.map((r) => {
      const own = r.baseline === r.name;
      return [
        r.name,
        r.wallUs.toFixed(1),
        own ? '1.000x' : `${r.ratio.toFixed(3)}x`,
        own ? '' : `${r.ratioP25.toFixed(2)}..${r.ratioP75.toFixed(2)}`,
        own ? '' : r.overheadUs.toFixed(1),
        r.cpuUs.toFixed(1),
        own ? '1.000x' : `${r.cpuRatio.toFixed(3)}x`,
      ];
    }),
  );
}

const plainName = (setup: PooledSetup) =>
  `plain Prisma (PrismaPg${setup.name === 'schema' ? ', { schema }' : ''}), ${setup.name} data`;

async function hitCost(setups: PooledSetup[]): Promise<void> {
  const variants: Variant[] = [];
  const apps: Array<{ setup: PooledSetup; app: BenchTenancyApp; variant: Variant }> = [];
  for (const setup of setups) {
    const plain = plainVariant(plainName(setup), setup);
    variants.push(plain);
    plain.baseline = plain.name;
    const { variant, app } = await packageVariant(setup);
    variant.baseline = plain.name;
    variants.push(variant);
    apps.push({ setup, app, variant });
  }
  await checkRows(variants);
  for (const { setup, app } of apps) {
    const before = app.pools.stats()[setup.name]!;
    await app.context.run(setup.hitTenant.id, () => findRow(app.prisma.client));
    const after = app.pools.stats()[setup.name]!;
    if (after.hits !== before.hits + 1 || after.misses !== before.misses)
      throw new Error(`${setup.name}: the measured query was not a pool hit`);
  }

  const results = await pairedRounds(variants, { rounds: ROUNDS, n: N, interleave: true, block: BLOCK });
  console.log(
    `\n(a) Pool hit cost: primary-key findFirst, ${ROUNDS} rounds x ${N} sequential queries per variant, the variants taking turns every ${BLOCK} queries ` +
      `(the package's turns inside TenantContext.run); median over rounds of each variant's ratio to plain Prisma on the same data in the same round ` +
      `(Node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})\n`,
  );
  resultTable(results);
  for (const { setup, variant } of apps) {
    const r = results.find((x) => x.name === variant.name)!;
    console.log(
      `Bar: ${setup.name} pool hit <= ${HIT_BAR.toFixed(2)}x plain: ${r.ratio <= HIT_BAR ? 'met' : 'MISSED'} (${r.ratio.toFixed(3)}x; IQR ${r.ratioP25.toFixed(2)}..${r.ratioP75.toFixed(2)})`,
    );
  }

  if (PROFILE) {
    // Where the time goes, without PostgreSQL: every pg Pool#query answers
    // from memory, so only the Node side remains, layer by layer.
    const { setup, app, variant: pkg } = apps[0];
    const layered = (['view', 'bound', 'noop'] as const).map((layer) => layeredVariant(setup, layer));
    const plain = variants.find((v) => v.name === plainName(setup))!;
    const profiled: Variant[] = [plain, ...layered, pkg].map((v) => ({ ...v, baseline: plain.name }));
    await checkRows(profiled);
    const uninstall = installQueryReplay();
    let replay: PairedResult[];
    try {
      await checkRows(profiled); // records every statement once
      replay = await pairedRounds(profiled, { rounds: REPLAY_ROUNDS, n: REPLAY_N, interleave: true, block: BLOCK });
    } finally {
      uninstall();
    }
    console.log(
      `\n(a') Where the hit time goes (${setup.name}): the same query with PostgreSQL replayed from memory, ${REPLAY_ROUNDS} rounds x ${REPLAY_N}; Node-side cost only\n`,
    );
    resultTable(replay);
    const cpu = (name: string) => replay.find((r) => r.name === name)!.cpuOverheadUs;
    const [view, bound, noop] = (['view', 'bound', 'noop'] as const).map((l) => cpu(LAYER_NAMES[l]));
    const total = cpu(pkg.name);
    console.log('\nCPU µs per query added by each layer (differences of the medians of paired differences):\n');
    printTable(
      ['layer', '+CPU µs'],
      [
        ['TenantViewPool over a pipelined pool (tenant guard, in-flight count)', view.toFixed(1)],
        ['the tenant-bound extension, reads routed past it (a Proxy over two clients)', (bound - view).toFixed(1)],
        ['Nest/CLS path: TenantPrisma.client, TenantContext, router, LRU get', (total - bound).toFixed(1)],
        ['total, package vs plain', total.toFixed(1)],
        [
          'for reference: a no-op $allOperations extension instead (why reads skip the extension)',
          (noop - view).toFixed(1),
        ],
      ],
    );

    const rows: string[][] = [];
    await app.context.run(setup.hitTenant.id, async () => {
      const n = 200_000;
      const args = { where: { id: ROW } };
      rows.push(['TenantContext.current() (CLS read)', nsPerCall(n, () => app.context.current()).toFixed(0)]);
      rows.push([
        'TenantPrisma.client (CLS read + router + LRU get)',
        nsPerCall(n, () => app.prisma.client).toFixed(0),
      ]);
      rows.push([
        "scopeArgs('findFirst', ...) (writes and the RLS strategy only; pooled reads skip it)",
        nsPerCall(n, () => scopeArgs('findFirst', args, 'tenantId', setup.hitTenant.id)).toFixed(0),
      ]);
    });
    console.log(`\nSynchronous steps of the package's hit path, ns per call (best of 5 x 200,000):\n`);
    printTable(['step', 'ns/call'], rows);
    for (const v of layered) await v.close();
  }
  for (const v of variants) await v.close();
}

// ------------------------------------------------- (b) 1,000 tenants, pool 50

async function cycle(setup: PooledSetup, db: BenchDatabase): Promise<void> {
  const app = await bootTenancyApp(setup.databaseUrl, setup.tenants, {
    ...setup.moduleOptions,
    pool: { max: PG_MAX },
    clientPool: { max: CYCLE_POOL_MAX, idleTtlMs: 0 },
  });
  const stats = () => app.pools.stats()[setup.name]!;
  const pg = new PgConnectionSampler(db.adminUrl, setup.connections.role, setup.connections.databases, 20);
  const open = new PeakSampler(() => stats().openConnections, 5);
  const size = new PeakSampler(() => stats().size, 5);
  const disposing = new PeakSampler(() => stats().disposing, 5);
  const rss = new PeakSampler(rssMb, 50);
  const startRss = (await settledMemory()).rssMb;
  await pg.start();
  for (const s of [open, size, disposing, rss]) s.start();
  const started = performance.now();

  // Sequential: each tenant's first query is a miss (round robin over more
  // tenants than the pool holds), its second a hit.
  const create: number[] = [];
  const firstQuery: number[] = [];
  const miss: number[] = [];
  const hit: number[] = [];
  for (let pass = 0; pass < CYCLE_PASSES; pass++) {
    for (const tenant of setup.tenants) {
      const misses = stats().misses;
      let t0 = performance.now();
      await app.context.run(tenant.id, async () => {
        const c0 = performance.now();
        const client = app.prisma.client;
        const c1 = performance.now();
        if (!(await findRow(client))) throw new Error(`tenant ${tenant.id}: row not found`);
        const c2 = performance.now();
        create.push((c1 - c0) * 1000);
        firstQuery.push((c2 - c1) * 1000);
      });
      miss.push((performance.now() - t0) * 1000);
      if (stats().misses !== misses + 1) throw new Error(`tenant ${tenant.id}: expected a pool miss`);
      t0 = performance.now();
      await app.context.run(tenant.id, () => findRow(app.prisma.client));
      hit.push((performance.now() - t0) * 1000);
    }
  }
  const sequentialS = (performance.now() - started) / 1000;
  const sequentialPeakPg = pg.peak;

  // Concurrent: workers over all tenants, each visit a miss then a hit, so the
  // pg pool is saturated while clients are created and evicted under load.
  const concurrentStart = performance.now();
  let next = 0;
  const total = setup.tenants.length * CYCLE_CONCURRENT_PASSES;
  await Promise.all(
    Array.from({ length: CYCLE_WORKERS }, async () => {
      while (next < total) {
        const tenant = setup.tenants[next++ % setup.tenants.length];
        await app.context.run(tenant.id, async () => {
          await findRow(app.prisma.client);
          await findRow(app.prisma.client);
        });
      }
    }),
  );
  const concurrentS = (performance.now() - concurrentStart) / 1000;
  await pg.sample();
  for (const s of [open, size, disposing, rss]) s.stop();
  await pg.stop();
  const final = stats();
  await app.close();

  const p = (values: number[], q: number) => percentile(values, q).toFixed(0);
  console.log(
    `\n(b) ${setup.name} strategy: ${setup.tenants.length} tenants through a client pool of ${CYCLE_POOL_MAX} (idleTtlMs 0); ` +
      (setup.name === 'schema'
        ? `one shared pg pool of ${PG_MAX}\n`
        : `tenant pg pools of ${DB_POOL_SIZE} under a connection budget of ${DB_BUDGET}\n`),
  );
  console.log(
    `Sequential, ${CYCLE_PASSES} passes (${miss.length} misses, each followed by a hit on the same tenant), µs incl. TenantContext.run:\n`,
  );
  printTable(
    ['', 'p50 µs', 'p95 µs', 'p99 µs', 'mean µs'],
    [
      [
        'miss: client creation (TenantPrisma.client)',
        p(create, 50),
        p(create, 95),
        p(create, 99),
        mean(create).toFixed(0),
      ],
      [
        'miss: first query on the new client',
        p(firstQuery, 50),
        p(firstQuery, 95),
        p(firstQuery, 99),
        mean(firstQuery).toFixed(0),
      ],
      ['miss: total', p(miss, 50), p(miss, 95), p(miss, 99), mean(miss).toFixed(0)],
      ['hit: total', p(hit, 50), p(hit, 95), p(hit, 99), mean(hit).toFixed(0)],
      ['miss / hit (p50)', `${(percentile(miss, 50) / percentile(hit, 50)).toFixed(1)}x`, '', '', ''],
    ],
  );
  console.log(
    `\nConcurrent, ${CYCLE_WORKERS} workers, ${CYCLE_CONCURRENT_PASSES} passes (${total} tenant visits, miss + hit each): ${((total * 2) / concurrentS).toFixed(0)} queries/s\n`,
  );
  const connectionsOk = pg.peak <= setup.connectionCap.value;
  printTable(
    ['measure', 'value'],
    [
      [
        'peak PostgreSQL connections of the app role (pg_stat_activity)',
        `${pg.peak} (sequential part: ${sequentialPeakPg}; ${pg.samples} samples)`,
      ],
      ['peak TenantPoolService.stats().openConnections', String(open.peak)],
      ['peak clients in pool / disposing', `${size.peak} / ${disposing.peak}`],
      ['RSS at start / peak', `${startRss.toFixed(0)} MB / ${rss.peak.toFixed(0)} MB`],
      ['pool counters at end (hits / misses / evictions)', `${final.hits} / ${final.misses} / ${final.evictions}`],
      ['wall time sequential / concurrent', `${sequentialS.toFixed(1)} s / ${concurrentS.toFixed(1)} s`],
    ],
  );
  console.log(
    `Bar: PostgreSQL connections <= ${setup.connectionCap.label} (${setup.connectionCap.value}): ${connectionsOk ? 'met' : 'MISSED'} (peak ${pg.peak})`,
  );
}

// -------------------------------------------- (c) 10,000 evictions, RSS plateau

async function churn(setup: PooledSetup): Promise<void> {
  const app = await bootTenancyApp(setup.databaseUrl, setup.tenants, {
    ...setup.moduleOptions,
    pool: { max: PG_MAX },
    clientPool: { max: CHURN_POOL_MAX, idleTtlMs: 0 },
  });
  const stats = () => app.pools.stats()[setup.name]!;
  if (setup.tenants.length <= CHURN_POOL_MAX)
    throw new Error('(c) needs more tenants than BENCH_CHURN_POOL_MAX, or every query would be a hit');
  const series: Array<{
    evictions: number;
    seconds: number;
    rssMb: number;
    heapMb: number;
    externalMb: number;
    disposing: number;
  }> = [];
  const started = performance.now();
  const record = async () => {
    const m = await settledMemory();
    const s = stats();
    series.push({
      evictions: s.evictions,
      seconds: (performance.now() - started) / 1000,
      ...m,
      disposing: s.disposing,
    });
  };
  let k = 0;
  // Fill the pool first: evictions start after that.
  while (stats().size < CHURN_POOL_MAX)
    await app.context.run(setup.tenants[k++ % setup.tenants.length].id, () => findRow(app.prisma.client));
  await record();
  let nextSample = setup.churnSampleEvery;
  while (stats().evictions < setup.churn) {
    const tenant = setup.tenants[k++ % setup.tenants.length];
    await app.context.run(tenant.id, () => findRow(app.prisma.client));
    if (stats().evictions >= nextSample) {
      await record();
      nextSample += setup.churnSampleEvery;
    }
  }
  const final = stats();
  await app.close();

  console.log(
    `\n(c) ${setup.name} strategy: ${final.evictions} evictions and re-creations (client pool ${CHURN_POOL_MAX} over ${setup.tenants.length} tenants, one query per visit), ` +
      `memory after ${gcExposed ? 'global.gc()' : 'no GC (run with --expose-gc for settled figures)'} every ${setup.churnSampleEvery}\n`,
  );
  printTable(
    ['evictions', 'elapsed s', 'RSS MB', 'heap MB', 'external MB', 'disposing'],
    series.map((s) => [
      s.evictions,
      s.seconds.toFixed(1),
      s.rssMb.toFixed(1),
      s.heapMb.toFixed(1),
      s.externalMb.toFixed(1),
      s.disposing,
    ]),
  );
  const mid = series[Math.floor((series.length - 1) / 2)];
  const last = series[series.length - 1];
  const growth = (last.rssMb - mid.rssMb) / mid.rssMb;
  const heapGrowth = (last.heapMb - mid.heapMb) / mid.heapMb;
  const perCycle = ((last.seconds - series[0].seconds) * 1e6) / Math.max(1, last.evictions - series[0].evictions);
  console.log(
    `\nRSS ${series[0].rssMb.toFixed(0)} MB after filling the pool -> ${mid.rssMb.toFixed(0)} MB at ${mid.evictions} evictions -> ${last.rssMb.toFixed(0)} MB at ${last.evictions}; ` +
      `growth over the last half ${(growth * 100).toFixed(1)}% (heap ${(heapGrowth * 100).toFixed(1)}%); ${perCycle.toFixed(0)} µs per evict + create + query cycle`,
  );
  console.log(
    `Verdict: ${growth < PLATEAU_BAR ? 'plateau' : 'STILL GROWING'} (bar: RSS growth over the last half < ${PLATEAU_BAR * 100}%)`,
  );
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function timed(label: string, fn: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await fn();
  console.log(`[${label} took ${((performance.now() - started) / 1000).toFixed(0)} s]`);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(
    `client-pool bench: phases ${[...PHASES].join(',')}; GC ${gcExposed ? 'exposed' : 'not exposed'}; ${cpus().length} CPUs, load average ${load()}`,
  );
  const db = await createBenchDatabase();
  const setups: PooledSetup[] = [];
  try {
    setups.push(await schemaSetup(db));
    const database = await databaseSetup(db);
    if (database) setups.push(database);

    if (PHASES.has('a')) await timed('(a)', () => hitCost(setups));
    for (const setup of setups) {
      if (PHASES.has('b')) await timed(`(b) ${setup.name}`, () => cycle(setup, db));
      if (PHASES.has('c')) await timed(`(c) ${setup.name}`, () => churn(setup));
    }
  } finally {
    for (const setup of setups)
      await setup.cleanup().catch((error: Error) => console.error(`cleanup of ${setup.name} failed: ${error.message}`));
    await db.stop();
  }
  console.log(`\nTotal ${((performance.now() - t0) / 1000).toFixed(0)} s; load average at the end ${load()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
