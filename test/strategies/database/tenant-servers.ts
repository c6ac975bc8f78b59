import { randomBytes } from 'node:crypto';
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FIXTURE_MIGRATIONS,
  fixtureMigrationSql,
  markOwned,
  quoteIdent,
  rewriteUrl,
  TEST_ROLES,
  withClient,
} from '../../support';
import { ensureTestRoles } from '../../support/test-roles';

/** A tenant database: `appUrl` is what the tenant record holds. */
export interface TenantDatabase {
  name: string;
  adminUrl: string;
  appUrl: string;
}

/** A PostgreSQL server started by a test, next to the harness's one. */
export interface ExtraPostgres {
  adminUrl: string;
  port: number;
  /** Stops the server; its data stays, so `start()` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data folder. */
  destroy(): Promise<void>;
}

/**
 * Starts another embedded PostgreSQL on a free port, in a child process (see
 * extra-postgres.process.mjs), with the test roles, so tenants can live on
 * several servers and a test can stop one under load.
 */
export async function startExtraPostgres(): Promise<ExtraPostgres> {
  const databaseDir = join(tmpdir(), `tenancy-extra-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const child = fork(join(__dirname, 'extra-postgres.process.mjs'), [JSON.stringify({ databaseDir, port, password })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 1;
  child.on('message', ({ id, ok, message }: { id: number; ok: boolean; message?: string }) => {
    const waiter = pending.get(id);
    pending.delete(id);
    if (ok) waiter?.resolve();
    else waiter?.reject(new Error(message));
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the PostgreSQL child process exited'));
    pending.clear();
  });
  const request = (id: number, command?: string) =>
    new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (command) child.send({ id, command });
    });

  const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  try {
    await request(0); // the child initialises and starts on its own
    await withClient(adminUrl, ensureTestRoles);
  } catch (error) {
    child.disconnect(); // the child cleans up and exits
    throw error;
  }
  return {
    adminUrl,
    port,
    stop: () => request(nextId++, 'stop'),
    start: () => request(nextId++, 'start'),
    destroy: async () => {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await request(nextId++, 'destroy').catch(() => undefined);
      await exited;
    },
  };
}

let counter = 0;

/**
 * A database owned by `tenancy_owner` on the server at `serverAdminUrl`, with
 * the fixture's tables only (no RLS policies: the database is the boundary,
 * and plain reads do not set the tenant setting the policies read), marked for
 * `tenantId` when given.
 */
export async function createTenantDatabase(
  serverAdminUrl: string,
  label: string,
  tenantId?: string,
): Promise<TenantDatabase> {
  // The harness's prefix and run id, so its teardown sweeps what a crashed test left.
  const name =
    `tenancy_t_${process.env.TENANCY_TEST_RUN_ID ?? 'norun'}_db${process.pid}_${++counter}_${label}`.toLowerCase();
  const adminUrl = rewriteUrl(serverAdminUrl, { database: name });
  const ownerUrl = rewriteUrl(serverAdminUrl, {
    user: TEST_ROLES.owner.name,
    password: TEST_ROLES.owner.password,
    database: name,
  });
  const appUrl = rewriteUrl(serverAdminUrl, {
    user: TEST_ROLES.app.name,
    password: TEST_ROLES.app.password,
    database: name,
  });
  const app = quoteIdent(TEST_ROLES.app.name);
  await withClient(serverAdminUrl, (c) =>
    c.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(TEST_ROLES.owner.name)} TEMPLATE template0`),
  );
  await withClient(adminUrl, (c) =>
    c.query(`GRANT CONNECT ON DATABASE ${quoteIdent(name)} TO ${app};
      GRANT USAGE ON SCHEMA public TO ${app};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(TEST_ROLES.owner.name)} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app};`),
  );
  await withClient(ownerUrl, (c) => c.query(`BEGIN;\n${fixtureMigrationSql(FIXTURE_MIGRATIONS.init)}\nCOMMIT;`));
  // As provisioning marks it: the database strategy serves no tenant from an unmarked database.
  if (tenantId !== undefined) await markOwned(ownerUrl, 'database', name, tenantId);
  return { name, adminUrl, appUrl };
}

/** Drops tenant databases, closing what is still connected. */
export async function dropTenantDatabases(serverAdminUrl: string, databases: readonly TenantDatabase[]): Promise<void> {
  await withClient(serverAdminUrl, async (c) => {
    for (const db of databases) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(db.name)} WITH (FORCE)`);
  });
}

/** Connections of `tenancy_app` now open to the given databases, as the server sees them. */
export async function appConnections(serverAdminUrl: string, databases: readonly TenantDatabase[]): Promise<number> {
  return withClient(serverAdminUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND datname = ANY($2)`,
      [TEST_ROLES.app.name, databases.map((db) => db.name)],
    );
    return rows[0].n as number;
  });
}

/**
 * Polls pg_stat_activity on one admin connection until stopped; `stop()`
 * resolves with the most `tenancy_app` connections seen at once on `databases`.
 */
export function sampleConnections(
  serverAdminUrl: string,
  databases: readonly TenantDatabase[],
): { stop(): Promise<number> } {
  let running = true;
  let peak = 0;
  const done = withClient(serverAdminUrl, async (c) => {
    const names = databases.map((db) => db.name);
    while (running) {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND datname = ANY($2)`,
        [TEST_ROLES.app.name, names],
      );
      peak = Math.max(peak, rows[0].n);
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  return {
    stop: async () => {
      running = false;
      await done;
      return peak;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
