import { randomBytes } from 'node:crypto';

import { fixtureMigrationNames, fixtureMigrationSql } from './fixture-migrations';
import { quoteIdent, rewriteUrl, withClient } from './pg-client';
import { ADMIN_URL_ENV, DATABASE_PREFIX, RUN_ID_ENV, TEST_ROLES } from './test-env.constants';
import { ensureTestRoles } from './test-roles';

/** Options of `createTestDatabase`. */
export interface CreateTestDatabaseOptions {
  /**
   * Fixture migrations to apply, by folder name, in this order; `[]` gives an
   * empty database (still with the grants). Default: all of them, i.e. the
   * tables with RLS enabled, forced and with its policies.
   */
  migrations?: readonly string[];
  /** SQL run as `tenancy_owner` after the migrations, e.g. a policy without FORCE. Default: none. */
  sql?: string;
}

/** A fresh database on the test server. */
export interface TestDatabase {
  /** Database name, unique per call. */
  name: string;
  /** Superuser URL on this database: bypasses RLS, for setup and inspection only. */
  adminUrl: string;
  /** `tenancy_owner` on this database: owns the tables (FORCE RLS still binds it). */
  ownerUrl: string;
  /** `tenancy_app` on this database: what the library under test must connect as. */
  appUrl: string;
  /** Drops the database, closing any connection left on it. Safe to call twice. */
  drop(): Promise<void>;
}

/** Superuser URL of the server the global setup chose; throws outside a Jest run. */
export function serverAdminUrl(): string {
  const url = process.env[ADMIN_URL_ENV];
  if (!url)
    throw new Error(`${ADMIN_URL_ENV} is not set: run the tests through jest (its globalSetup starts PostgreSQL).`);
  return url;
}

let rolesReady: Promise<void> | undefined;
let counter = 0;

/**
 * Creates a uniquely named database owned by `tenancy_owner`, applies the
 * fixture migrations as that owner, and grants `tenancy_app` CONNECT, USAGE on
 * the schemas and SELECT/INSERT/UPDATE/DELETE on the tables (now and later
 * ones made by the owner). Call `drop()` in `afterAll`.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = serverAdminUrl();
  const migrations = options.migrations ?? fixtureMigrationNames();
  const scripts = migrations.map((name) => fixtureMigrationSql(name)); // fail before creating anything
  rolesReady ??= withClient(serverUrl, ensureTestRoles).catch((error: unknown) => {
    rolesReady = undefined;
    throw error;
  });
  await rolesReady;

  const name = databaseName();
  const db: TestDatabase = {
    name,
    adminUrl: rewriteUrl(serverUrl, { database: name }),
    ownerUrl: rewriteUrl(serverUrl, {
      user: TEST_ROLES.owner.name,
      password: TEST_ROLES.owner.password,
      database: name,
    }),
    appUrl: rewriteUrl(serverUrl, { user: TEST_ROLES.app.name, password: TEST_ROLES.app.password, database: name }),
    drop: () =>
      withClient(
        serverUrl,
        async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      ),
  };

  // template0: nobody connects to it, so concurrent CREATE DATABASE never fails on "being accessed by other users".
  await withClient(serverUrl, (admin) =>
    admin.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(TEST_ROLES.owner.name)} TEMPLATE template0`),
  );
  try {
    await grantApp(db);
    await withClient(db.ownerUrl, async (owner) => {
      for (const sql of scripts) await owner.query(`BEGIN;\n${sql}\nCOMMIT;`);
      if (options.sql) await owner.query(options.sql);
    });
  } catch (error) {
    await db.drop().catch(() => undefined);
    throw error;
  }
  return db;
}

/** Before the migrations, so default privileges also cover tables made later (by `sql` or by a test). */
async function grantApp(db: TestDatabase): Promise<void> {
  const app = quoteIdent(TEST_ROLES.app.name);
  const owner = quoteIdent(TEST_ROLES.owner.name);
  await withClient(db.adminUrl, (admin) =>
    admin.query(`
      GRANT CONNECT ON DATABASE ${quoteIdent(db.name)} TO ${app};
      GRANT USAGE ON SCHEMA public TO ${app};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app};
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${app};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT USAGE ON SCHEMAS TO ${app};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT USAGE ON SEQUENCES TO ${app};
    `),
  );
}

/** `tenancy_t_<run>_<worker>_<n><random>`: the run id lets teardown sweep what a crashed test left. */
function databaseName(): string {
  const run = process.env[RUN_ID_ENV] ?? 'norun';
  const worker = process.env.JEST_WORKER_ID ?? '0';
  counter += 1;
  return `${DATABASE_PREFIX}_${run}_${worker}_${counter}${randomBytes(3).toString('hex')}`;
}
