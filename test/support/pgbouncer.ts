import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Client } from 'pg';

import { TEST_ROLES } from './test-env.constants';

/** Path of the `pgbouncer` binary to use instead of looking it up. */
export const PGBOUNCER_BIN_ENV = 'TENANCY_TEST_PGBOUNCER';

/** A PgBouncer started for the tests, in front of one PostgreSQL server. */
export interface PgBouncer {
  /** Port it listens on, on 127.0.0.1. */
  port: number;
  /** `url` with its host and port pointed at this PgBouncer; user, password, database and query are kept. */
  url(serverUrl: string): string;
  /** `pgbouncer --version`'s first line. */
  version: string;
  /** What it printed so far (its log goes to stderr), for failure messages. */
  log(): string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPgBouncerOptions {
  /** Server connections per database/user pair. Default 2: many clients share few server connections. */
  poolSize?: number;
  /** Default 200. */
  maxClientConn?: number;
}

// Debian installs it in /usr/sbin, which is not on a normal user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/opt/homebrew/bin'];

/** Where `pgbouncer` is, or `null`: `$TENANCY_TEST_PGBOUNCER`, then PATH, then the usual sbin directories. */
export function findPgBouncer(): string | null {
  const forced = process.env[PGBOUNCER_BIN_ENV];
  if (forced) return isExecutable(forced) ? forced : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'pgbouncer');
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** Why PgBouncer tests cannot run here, or `null` when they can. */
export function pgBouncerMissingReason(): string | null {
  if (findPgBouncer()) return null;
  const forced = process.env[PGBOUNCER_BIN_ENV];
  return forced
    ? `${PGBOUNCER_BIN_ENV}="${forced}" is not an executable file`
    : 'the `pgbouncer` binary is not installed (not on PATH nor in /usr/sbin); on Debian/Ubuntu: apt-get install -y pgbouncer';
}

/**
 * `describe` for a suite that needs PgBouncer: `describe.skip` with a warning
 * when the binary is missing, and an error under CI, where a missing binary is
 * a broken setup, not a reason to skip the proof (.ci/run installs it).
 */
export function describeWithPgBouncer(suite: string): jest.Describe {
  const missing = pgBouncerMissingReason();
  if (!missing) return describe;
  const inCi = Boolean(process.env.CI) && !/^(0|false)$/i.test(process.env.CI ?? '');
  if (inCi)
    throw new Error(`PgBouncer tests cannot run in CI: ${missing}. Install it before \`npm test\` (see .ci/run).`);
  console.warn(`[tenancy-test] Skipping ${suite}: ${missing}.`);
  return describe.skip;
}

/**
 * Starts a real PgBouncer in transaction pooling mode in front of the server
 * `serverUrl` points at (any database on it: the `*` entry forwards every
 * database name). Clients log in as `tenancy_app` or `tenancy_owner` with
 * their passwords (SCRAM), and PgBouncer logs in to PostgreSQL as the same
 * role. Resolves once a real `SELECT 1` through it has answered.
 */
export async function startPgBouncer(serverUrl: string, options: StartPgBouncerOptions = {}): Promise<PgBouncer> {
  const bin = findPgBouncer();
  if (!bin) throw new Error(`Cannot start PgBouncer: ${pgBouncerMissingReason()}.`);
  const version = await pgBouncerVersion(bin);
  let lastError: unknown;
  // The free port is found by closing a listener first, so another process
  // could take it in between: retry on a fresh port.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(bin, version, serverUrl, options);
    } catch (error) {
      lastError = error;
      if (!/bind|address already in use/i.test(String(error))) break;
    }
  }
  throw lastError;
}

async function startOnce(
  bin: string,
  version: string,
  serverUrl: string,
  options: StartPgBouncerOptions,
): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tenancy-pgbouncer-'));
  // PgBouncer refuses to run as root; it then runs as `nobody`, who must read these files.
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) await chmod(dir, 0o755);
  const authFile = join(dir, 'userlist.txt');
  const iniFile = join(dir, 'pgbouncer.ini');
  await writeFile(
    authFile,
    Object.values(TEST_ROLES)
      .map((role) => `"${role.name}" "${role.password}"\n`)
      .join(''),
    { mode: 0o644 },
  );
  await writeFile(
    iniFile,
    [
      '[databases]',
      // Every database name, same role and password as the client's login (from auth_file).
      `* = host=${server.hostname.replace(/^\[|\]$/g, '')} port=${server.port || '5432'}`,
      '',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 2}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      `max_client_conn = ${options.maxClientConn ?? 200}`,
      'auth_type = scram-sha-256',
      `auth_file = ${authFile}`,
      // The stock defaults, spelled out: in transaction pooling nothing resets a
      // server connection between clients, which is what these tests rely on.
      'server_reset_query = DISCARD ALL',
      'server_reset_query_always = 0',
      // Most recently used server connection first (the default), which makes
      // the tests' leak sequences deterministic.
      'server_round_robin = 0',
      // Clients may wait for one of the few server connections: no short timeouts.
      'query_wait_timeout = 60',
      'pidfile =',
      'logfile =',
      'syslog = 0',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );

  const args = [...(asRoot ? ['-u', 'nobody'] : []), iniFile];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const log = () => output.join('');
  let exit: { code: number | null; signal: string | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  // A crashed test run must not leave a PgBouncer behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());

  const url = (target: string) => {
    const rewritten = new URL(target);
    rewritten.hostname = '127.0.0.1';
    rewritten.port = String(port);
    return rewritten.href;
  };

  try {
    await waitUntilReady(child, () => exit, url(rewriteUser(serverUrl, TEST_ROLES.app)), log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url, version, log, stop };
}

function rewriteUser(serverUrl: string, role: { name: string; password: string }): string {
  const target = new URL(serverUrl);
  target.username = encodeURIComponent(role.name);
  target.password = encodeURIComponent(role.password);
  target.pathname = '/postgres';
  return target.href;
}

async function waitUntilReady(
  child: ChildProcess,
  exit: () => { code: number | null; signal: string | null } | undefined,
  probeUrl: string,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const ended = exit();
    if (ended) {
      throw new Error(
        `PgBouncer (pid ${child.pid}) exited with ${ended.code ?? ended.signal} while starting:\n${log()}`,
      );
    }
    const client = new Client({ connectionString: probeUrl, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`PgBouncer did not answer within 15 s (last error: ${String(lastError)}):\n${log()}`);
}

function pgBouncerVersion(bin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(out.split('\n')[0].trim())
        : reject(new Error(`${bin} --version exited with ${code}: ${out}`)),
    );
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
