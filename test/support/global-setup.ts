import { randomBytes } from 'node:crypto';

import { withClient } from './pg-client';
import { startPostgres, type PostgresServer } from './postgres-server';
import { ADMIN_URL_ENV, RUN_ID_ENV, SERVER_KEY } from './test-env.constants';
import { ensureTestRoles } from './test-roles';

type WithServer = typeof globalThis & { [SERVER_KEY]?: PostgresServer };

/**
 * Starts (or adopts) the PostgreSQL server once per `jest` run and tells the
 * workers where it is through the environment they inherit.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const server = await startPostgres();
  // Jest runs global-teardown.ts in this same process.
  (globalThis as WithServer)[SERVER_KEY] = server;
  try {
    // Here, once, before any worker races for them.
    await withClient(server.adminUrl, ensureTestRoles);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  process.env[RUN_ID_ENV] = randomBytes(3).toString('hex');
  process.stderr.write(`\n[tenancy-test] PostgreSQL: ${server.description}, ready in ${Date.now() - started} ms\n`);
}
