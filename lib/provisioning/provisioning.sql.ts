import { Client, type ClientConfig } from 'pg';
import type { MigrationClient } from '../migrations/tenant-migration.interface';
import { quoteIdent } from '../registry/registry.constants';

// What the application role may do with tenant tables: data, not DDL.
const TABLE_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Grants given before the migrations run, by the role that will run them:
 * USAGE on the schema, and default privileges so every table and sequence the
 * migrations create (now and in later runs) is usable by the app role.
 */
export function grantBeforeMigrations(schema: string, appRole: string): string {
  const s = quoteIdent(schema);
  const app = quoteIdent(appRole);
  return [
    `GRANT USAGE ON SCHEMA ${s} TO ${app};`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ${TABLE_PRIVILEGES} ON TABLES TO ${app};`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${app};`,
  ].join('\n');
}

/**
 * Grants after the migrations: the same privileges on what exists (tables a
 * resumed provisioning made before the defaults were in place), and none on
 * the migration history, which the app has no business changing.
 */
export function grantAfterMigrations(schema: string, appRole: string): string {
  const s = quoteIdent(schema);
  const app = quoteIdent(appRole);
  return [
    `GRANT ${TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA ${s} TO ${app};`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${app};`,
    `REVOKE ALL ON TABLE ${s}._prisma_migrations FROM ${app};`,
  ].join('\n');
}

/** A connection string, or a pg config built by `TenantServerPolicy` (never a tenant URL with other credentials pasted in). */
export type ConnectionTarget = string | ClientConfig;

function clientOf(target: ConnectionTarget): Client {
  return new Client(typeof target === 'string' ? { connectionString: target } : target);
}

/** Opens one connection, runs `work`, always closes it. */
export async function withConnection<T>(target: ConnectionTarget, work: (client: Client) => Promise<T>): Promise<T> {
  const client = clientOf(target);
  // Errors surface on the query in flight; without a listener an idle one would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A dedicated connection shaped as the runner's `MigrationClient`: `release()` closes it. */
export async function migrationConnection(target: ConnectionTarget): Promise<MigrationClient> {
  const client = clientOf(target);
  client.on('error', () => undefined);
  await client.connect();
  return {
    query: client.query.bind(client) as MigrationClient['query'],
    release: () => void client.end().catch(() => undefined),
  };
}
