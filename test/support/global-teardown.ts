import { quoteIdent, withClient } from './pg-client';
import type { PostgresServer } from './postgres-server';
import { DATABASE_PREFIX, RUN_ID_ENV, SERVER_KEY } from './test-env.constants';

/**
 * Stops what global-setup.ts started. On a server you provided it instead
 * drops the databases this run left behind (a test that failed before its
 * `drop()`), and only this run's: other runs may share the server.
 */
export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as typeof globalThis & { [SERVER_KEY]?: PostgresServer })[SERVER_KEY];
  if (!server) return;
  try {
    if (server.external) await dropRunDatabases(server.adminUrl, `${DATABASE_PREFIX}_${process.env[RUN_ID_ENV]}_`);
  } finally {
    await server.stop();
  }
}

async function dropRunDatabases(adminUrl: string, prefix: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    // `_` is a LIKE wildcard, hence starts_with.
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  });
}
