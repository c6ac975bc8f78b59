// What a transaction-local tenant costs PostgreSQL itself, per primary-key
// read, measured as the CPU of the serving backend (/proc/<pid>/stat), not
// the client's: the part of the RLS overhead no client-side work can remove.
//
//   npm run bench:pg-cost
//
// One connection per variant, each statement sent as Prisma sends it
// (extended protocol, unnamed statement, parameters) or as the package's
// statement cache does (named, parsed once per connection), variants interleaved
// in a seeded random order within each round, medians of per-round ratios to
// the hand-written statement (superuser, no RLS, tenant in the WHERE).
import 'reflect-metadata';
import { Client } from 'pg';
import { queryInImplicitTransaction } from '../lib/strategies/shared/implicit-transaction.query';
import { envNumber, machineLine } from './support/bench-env';
import { processCpuUs } from './http/process-cpu';
import { range, ratioOverRounds, times } from './support/ratio-stats';
import { seededRandom, shuffle } from './support/seeded-random';
import { median, printTable } from './support/timing';
import { createRlsBenchData, ROW, TENANT } from './rls/rls-data';

const ROUNDS = envNumber('BENCH_ROUNDS', 11);
// /proc counts CPU in 10 ms ticks: 5,000 statements make a tick 2 µs per statement.
const N = envNumber('BENCH_N', 5000);
const COLUMNS = '"id", "tenant_id", "name", "budget", "created_at"';
const BY_ID_AND_TENANT = `SELECT ${COLUMNS} FROM "public"."projects" WHERE ("id" = $1 AND "tenant_id" = $2) LIMIT $3 OFFSET $4`;
const BY_ID = `SELECT ${COLUMNS} FROM "public"."projects" WHERE "id" = $1 LIMIT $2 OFFSET $3`;
const SET_TENANT = `SELECT set_config('app.tenant_id', '${TENANT}', true)`;

interface Variant {
  name: string;
  client: Client;
  pid: number;
  query(): Promise<unknown>;
}

async function connect(url: string, setup?: string): Promise<{ client: Client; pid: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  if (setup) await client.query(setup);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0].pid };
}

/** `+12.0` or `-3.5`. */
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

async function main() {
  const data = await createRlsBenchData({ schema: false, database: false });
  const variants: Variant[] = [];
  try {
    const plain = await connect(data.db.adminUrl);
    variants.push({
      name: 'by hand: superuser, no RLS, tenant in the WHERE',
      ...plain,
      query: () => plain.client.query(BY_ID_AND_TENANT, [ROW, TENANT, 1, 0]),
    });
    const plainNamed = await connect(data.db.adminUrl);
    variants.push({
      name: "by hand, named statement (Prisma's statementNameGenerator)",
      ...plainNamed,
      query: () => plainNamed.client.query({ name: 'by_hand', text: BY_ID_AND_TENANT }, [ROW, TENANT, 1, 0]),
    });
    const policy = await connect(data.db.appUrl, `SET app.tenant_id = '${TENANT}'`);
    variants.push({
      name: 'RLS policy only (setting already on the session)',
      ...policy,
      query: () => policy.client.query(BY_ID, [ROW, 1, 0]),
    });
    const pkg = await connect(data.db.appUrl);
    variants.push({
      name: 'package, transaction mode, statementCacheSize 0: set_config + unnamed statement',
      ...pkg,
      query: () => queryInImplicitTransaction(pkg.client as never, SET_TENANT, { text: BY_ID }, [ROW, 1, 0]),
    });
    const named = await connect(data.db.appUrl);
    variants.push({
      name: 'package, transaction mode (default statement cache): set_config + named statement',
      ...named,
      query: () =>
        queryInImplicitTransaction(named.client as never, SET_TENANT, { name: 'package', text: BY_ID }, [ROW, 1, 0]),
    });
    const explicit = await connect(data.db.appUrl);
    variants.push({
      name: 'BEGIN; set_config; statement; COMMIT, four round trips',
      ...explicit,
      query: async () => {
        await explicit.client.query('BEGIN');
        await explicit.client.query(SET_TENANT);
        const result = await explicit.client.query(BY_ID, [ROW, 1, 0]);
        await explicit.client.query('COMMIT');
        return result;
      },
    });
    for (const v of variants) {
      const { rows } = (await v.query()) as { rows: Array<{ tenant_id: string }> };
      if (rows.length !== 1 || rows[0].tenant_id !== TENANT) throw new Error(`${v.name}: did not read the row`);
    }
    if (processCpuUs(variants[0].pid) === undefined)
      throw new Error('the backends CPU is read from /proc/<pid>/stat: run on Linux, on the server machine');

    console.log(`What PostgreSQL spends per primary-key read: ${ROUNDS} rounds x ${N} statements per variant`);
    console.log(`start: ${machineLine()}`);
    const cpu = variants.map(() => [] as number[]);
    const wall = variants.map(() => [] as number[]);
    for (let round = 0; round <= ROUNDS; round++) {
      // Each round its own order, the same order every run.
      const order = variants.map((_, i) => i);
      shuffle(order, seededRandom(round + 1));
      for (const index of order) {
        const v = variants[index];
        const cpu0 = processCpuUs(v.pid)!;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < N; i++) await v.query();
        const t1 = process.hrtime.bigint();
        if (round === 0) continue; // warm-up
        cpu[index].push((processCpuUs(v.pid)! - cpu0) / N);
        wall[index].push(Number(t1 - t0) / 1000 / N);
      }
    }
    console.log(`end:   ${machineLine()}\n`);
    printTable(
      ['variant', 'backend CPU µs', 'x by hand', 'IQR', '+µs', 'wall µs', 'x by hand (wall)'],
      variants.map((v, i) => {
        const own = i === 0;
        const ratio = ratioOverRounds(cpu[i], cpu[0]);
        const wallRatio = ratioOverRounds(wall[i], wall[0]);
        return [
          v.name,
          median(cpu[i]).toFixed(1),
          own ? '1.00x' : times(ratio.median),
          own ? '' : range(ratio),
          own ? '' : signed(median(cpu[i].map((c, r) => c - cpu[0][r]))),
          median(wall[i]).toFixed(0),
          own ? '1.00x' : times(wallRatio.median),
        ];
      }),
    );
  } finally {
    for (const v of variants) await v.client.end().catch(() => undefined);
    await data.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
