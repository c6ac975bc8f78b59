import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { applyMigrations } from './migrations';

/** Names used on the server. The database is dropped and re-created on each start. */
export const EXAMPLE_DATABASE = 'tenancy_example';
export const OWNER_ROLE = 'tenancy_example_owner';
export const APP_ROLE = 'tenancy_example_app';

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');

export interface ProvisionedDatabase {
  /** Owner of the tables: runs migrations; not used by the app. */
  ownerUrl: string;
  /** What the app connects as: not a superuser, not BYPASSRLS, owns nothing. */
  appUrl: string;
  migrations: string[];
}

/**
 * The setup docs/rls.md describes, done in code: two roles, a fresh database
 * owned by the owner role, the app role granted data access only, then the
 * migrations applied as the owner.
 */
export async function provisionDatabase(adminUrl: string): Promise<ProvisionedDatabase> {
  const ownerPassword = randomBytes(12).toString('hex');
  const appPassword = randomBytes(12).toString('hex');
  const owner = escapeIdentifier(OWNER_ROLE);
  const app = escapeIdentifier(APP_ROLE);
  const database = escapeIdentifier(EXAMPLE_DATABASE);

  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const [role, password] of [
      [OWNER_ROLE, ownerPassword],
      [APP_ROLE, appPassword],
    ]) {
      // Roles are cluster-wide and may survive from an earlier run on a server you gave.
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await admin.query(
        `${verb} ROLE ${escapeIdentifier(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${escapeLiteral(password)}`,
      );
    }
    // template0: nobody connects to it, so CREATE DATABASE cannot fail on "being accessed by other users".
    await admin.query(`CREATE DATABASE ${database} OWNER ${owner} TEMPLATE template0`);
  });

  const ownerUrl = withCredentials(adminUrl, OWNER_ROLE, ownerPassword);
  const appUrl = withCredentials(adminUrl, APP_ROLE, appPassword);

  await withClient(ownerUrl, async (client) => {
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${app}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${app}`);
    // Tables the owner creates from now on (every migration) are usable by the app.
    await client.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
    );
  });
  const migrations = await applyMigrations(ownerUrl, MIGRATIONS_DIR);
  return { ownerUrl, appUrl, migrations };
}

function withCredentials(url: string, user: string, password: string): string {
  const target = new URL(url);
  target.username = encodeURIComponent(user);
  target.password = encodeURIComponent(password);
  target.pathname = `/${EXAMPLE_DATABASE}`;
  return target.href;
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
