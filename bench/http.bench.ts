// End to end over HTTP: the same two routes written by hand (plain
// PrismaClient, `where: { tenantId }`, a Set of known tenants) and with the
// package, on Express and Fastify, under autocannon with 32 connections.
// Servers run in child processes pinned to CPU 0, the load generator in this
// process pinned to CPU 1; variants take turns within each round (interleaved
// rounds), and the table prints medians with the ratio to the hand-written app.
// Run: npm run bench:http   (BENCH_HTTP_SECONDS, BENCH_HTTP_ROUNDS, BENCH_HTTP_KINDS, BENCH_HTTP_STATEMENT_CACHE:
// the package apps' statementCacheSize); Node flags given to
// the bench (node --flag ... bench/http.bench.ts) are passed to the servers.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { escapeIdentifier, Pool } from 'pg';
import { createBenchDatabase } from './support/bench-database';
import { createTenantSchemas } from './support/tenant-schemas';
import { median, printTable } from './support/timing';
import type { HttpAppKind, HttpAppSettings, HttpPlatform } from './http/http-apps';
import { postgresCpuUs, processCpuUs } from './http/process-cpu';

const TENANTS = Array.from({ length: Number(process.env.BENCH_HTTP_TENANTS ?? 100) }, (_, i) => `t${i}`);
const ROWS = 50;
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 5);
// Per server and route before the rounds: the JIT needs seconds to settle, and a longer warm-up favours no app.
const WARMUP_SECONDS = Number(process.env.BENCH_HTTP_WARMUP ?? 3);
const KINDS = (process.env.BENCH_HTTP_KINDS ?? 'plain,rls,rls-session,schema').split(',') as HttpAppKind[];
const PLATFORMS = (process.env.BENCH_HTTP_PLATFORMS ?? 'express,fastify').split(',') as HttpPlatform[];
const ROUTES = ['list', 'by id'] as const;
type Route = (typeof ROUTES)[number];
const TASKSET = existsSync('/usr/bin/taskset') && cpus().length >= 2;
// A folder: every server writes a V8 CPU profile there when it stops (node --cpu-prof), to open in Chrome's DevTools.
const PROFILE_DIR = process.env.BENCH_HTTP_PROFILE;

interface Server {
  kind: HttpAppKind;
  platform: HttpPlatform;
  port: number;
  child: ChildProcess;
}
interface Sample {
  rps: number;
  p99: number;
  errors: number;
  crossed: number;
  checked: number;
  /** CPU µs per request of the server process and of PostgreSQL (all its processes), when /proc can tell. */
  serverCpu?: number;
  pgCpu?: number;
}

function startServer(settings: HttpAppSettings): Promise<Server> {
  const profile = PROFILE_DIR
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${PROFILE_DIR}`,
        `--cpu-prof-name=${settings.platform}-${settings.kind}.cpuprofile`,
      ]
    : [];
  // The bench's own Node flags reach the servers too (e.g. Node 22's --experimental-async-context-frame).
  const flags = process.execArgv.filter((arg) => arg.startsWith('--') && !arg.startsWith('--cpu-prof'));
  const node = [
    process.execPath,
    ...flags,
    ...profile,
    '-r',
    '@swc-node/register',
    join(__dirname, 'http/http-server.ts'),
  ];
  const [cmd, ...args] = TASKSET ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd, args, {
    env: { ...process.env, BENCH_HTTP_APP: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${settings.kind}/${settings.platform} server exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString());
      if (match) resolve({ kind: settings.kind, platform: settings.platform, port: Number(match[1]), child });
    });
  });
}

/** One autocannon run against one server; every 10th response is checked for another tenant's rows. */
async function load(server: Server, route: Route, seconds: number): Promise<Sample> {
  let n = 0;
  let crossed = 0;
  let checked = 0;
  const server0 = processCpuUs(server.child.pid);
  const pg0 = postgresCpuUs();
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          const i = n++;
          const tenant = TENANTS[i % TENANTS.length];
          const path = route === 'list' ? '/projects' : `/projects/${tenant}-r${1 + (i % (ROWS - 1))}`;
          return { ...request, method: 'GET', path, headers: { 'x-tenant-id': tenant } };
        },
        onResponse: (_status: number, body: string, context: Record<string, unknown>) => {
          if (n % 10 !== 0) return;
          void context;
          checked++;
          const tenants = new Set([...body.matchAll(/"tenantId":"([^"]+)"/g)].map((m) => m[1]));
          if (tenants.size !== 1) crossed++;
        },
      },
    ],
  } as autocannon.Options);
  const server1 = processCpuUs(server.child.pid);
  const pg1 = postgresCpuUs();
  const perRequest = (a?: number, b?: number) =>
    a === undefined || b === undefined || result.requests.total === 0 ? undefined : (b - a) / result.requests.total;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    crossed,
    checked,
    serverCpu: perRequest(server0, server1),
    pgCpu: perRequest(pg0, pg1),
  };
}

async function seed(adminUrl: string): Promise<void> {
  const pool = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    await pool.query(
      `INSERT INTO projects (id, tenant_id, name, budget)
       SELECT t || '-r' || r, t, 'project ' || r, r FROM unnest($1::text[]) t, generate_series(0, ${ROWS - 1}) r`,
      [TENANTS],
    );
    await pool.query('ANALYZE projects');
  } finally {
    await pool.end();
  }
}

async function seedSchemas(db: Awaited<ReturnType<typeof createBenchDatabase>>): Promise<void> {
  await createTenantSchemas(db, TENANTS, { rowId: 'seed', concurrency: 4 });
  const pool = new Pool({ connectionString: db.adminUrl, max: 1 });
  try {
    for (const tenant of TENANTS) {
      const s = escapeIdentifier(`tenant_${tenant}`);
      // 'seed' plus 49 rows: 50 rows, and the ids the by-id route asks for.
      await pool.query(
        `INSERT INTO ${s}.projects (id, tenant_id, name, budget) SELECT $1 || '-r' || r, $1, 'project ' || r, r FROM generate_series(1, ${ROWS - 1}) r`,
        [tenant],
      );
    }
  } finally {
    await pool.end();
  }
}

async function main() {
  if (TASKSET) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const db = await createBenchDatabase();
  await seed(db.adminUrl);
  // Schema tenants in a database of their own: in the RLS app's database, the
  // boot self-check would rightly refuse tables the app role reaches without RLS.
  const schemaDb = KINDS.includes('schema') ? await createBenchDatabase() : undefined;
  if (schemaDb) await seedSchemas(schemaDb);
  const servers: Server[] = [];
  try {
    for (const platform of PLATFORMS) {
      for (const kind of KINDS) {
        const databaseUrl = kind === 'plain' ? db.adminUrl : kind === 'schema' ? schemaDb!.appUrl : db.appUrl;
        servers.push(await startServer({ kind, platform, databaseUrl, tenants: TENANTS, poolMax: 10 }));
      }
    }
    // Warm-up: every server and route once, not recorded.
    for (const server of servers) for (const route of ROUTES) await load(server, route, WARMUP_SECONDS);
    const samples = new Map<string, Sample[]>();
    const key = (s: Server, route: Route) => `${s.platform}|${route}|${s.kind}`;
    const load1 = loadavg()[0];
    for (let round = 0; round < ROUNDS; round++) {
      for (const platform of PLATFORMS) {
        for (const route of ROUTES) {
          const group = servers.filter((s) => s.platform === platform);
          // Rotate who goes first each round, so drift over time is shared.
          const order = group.map((_, i) => group[(i + round) % group.length]);
          for (const server of order) {
            const sample = await load(server, route, SECONDS);
            samples.set(key(server, route), [...(samples.get(key(server, route)) ?? []), sample]);
          }
        }
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const med = (list: Sample[], f: (s: Sample) => number) => median(list.map(f));
    const cpuCell = (list: Sample[], f: (s: Sample) => number | undefined) => {
      const values = list.map(f).filter((v): v is number => v !== undefined);
      return values.length === list.length ? median(values).toFixed(0) : '-';
    };
    const rows: string[][] = [];
    let crossed = 0;
    let checked = 0;
    let errors = 0;
    for (const platform of PLATFORMS) {
      for (const route of ROUTES) {
        const base = samples.get(`${platform}|${route}|plain`);
        for (const kind of KINDS) {
          const list = samples.get(`${platform}|${route}|${kind}`)!;
          crossed += list.reduce((a, s) => a + s.crossed, 0);
          checked += list.reduce((a, s) => a + s.checked, 0);
          errors += list.reduce((a, s) => a + s.errors, 0);
          const rps = med(list, (s) => s.rps);
          const p99 = med(list, (s) => s.p99);
          // Ratios per round (the same round's hand-written run), then their median.
          const rpsRatio = base ? median(list.map((s, i) => s.rps / base[i].rps)) : NaN;
          const p99Ratio = base ? median(list.map((s, i) => s.p99 / Math.max(base[i].p99, 1))) : NaN;
          rows.push([
            platform,
            route,
            kind === 'plain'
              ? 'by hand'
              : kind === 'rls'
                ? 'package, rls (transaction)'
                : kind === 'rls-session'
                  ? 'package, rls (session)'
                  : 'package, schema',
            rps.toFixed(0),
            `${p99.toFixed(1)}`,
            kind === 'plain' ? '1.00x' : `${rpsRatio.toFixed(2)}x`,
            kind === 'plain' ? '1.00x' : `${p99Ratio.toFixed(2)}x`,
            cpuCell(list, (s) => s.serverCpu),
            cpuCell(list, (s) => s.pgCpu),
            kind === 'plain' ? '' : rpsRatio >= 0.9 && p99Ratio <= 1.2 ? 'PASS' : 'MISS',
          ]);
        }
      }
    }
    console.log(
      `\nHTTP end to end: ${TENANTS.length} tenants x ${ROWS} rows, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds x ${SECONDS} s, ` +
        `medians (Node ${process.version}, ${TASKSET ? 'server on CPU 0, load on CPU 1' : 'unpinned'}, load average ${load1.toFixed(2)} at start)\n`,
    );
    printTable(
      [
        'platform',
        'route',
        'app',
        'req/s',
        'p99 ms',
        'req/s ratio',
        'p99 ratio',
        'server CPU µs/req',
        'PG CPU µs/req',
        'bar',
      ],
      rows,
    );
    console.log(
      `\nResponses checked for other tenants' rows: ${checked}, crossed: ${crossed}; non-2xx/errors: ${errors}`,
    );
    console.log('Bars: req/s ratio >= 0.90x and p99 ratio <= 1.20x (rls and schema, both routes, both platforms).');
    console.log(
      'CPU µs/req: the server process, and every PostgreSQL process together, per request served (from /proc; medians over rounds).',
    );
    if (crossed > 0) process.exitCode = 1;
  } finally {
    // Each server closes its app (and writes its profile) before it exits.
    const exited = servers.map(
      (s) => new Promise((resolve) => (s.child.exitCode !== null ? resolve(null) : s.child.once('exit', resolve))),
    );
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 10_000))]);
    await schemaDb?.stop();
    await db.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
