/**
 * Names shared by the Jest global setup (main process) and the test files
 * (worker processes). Workers inherit the environment the setup leaves behind.
 */

/** Superuser URL of a server you provide. When set, the harness starts nothing. */
export const DATABASE_URL_ENV = 'TENANCY_TEST_DATABASE_URL';

/** Forces a backend: `embedded` or `testcontainers`. Default: chosen automatically. */
export const BACKEND_ENV = 'TENANCY_TEST_BACKEND';

/** Superuser URL of the server chosen by the global setup, for the workers. */
export const ADMIN_URL_ENV = 'TENANCY_TEST_ADMIN_URL';

/** Short id of one `jest` run; prefixes its database names so teardown finds them. */
export const RUN_ID_ENV = 'TENANCY_TEST_RUN_ID';

/** Where global-setup.ts leaves the server for global-teardown.ts (same process). */
export const SERVER_KEY = Symbol.for('nestjs-prisma-tenancy.test-server');

/** Prefix of every database the harness creates. */
export const DATABASE_PREFIX = 'tenancy_t';

/**
 * Cluster-wide roles. Fixed passwords: the roles outlive a run on a server you
 * provide, and concurrent runs must agree on them.
 */
export const TEST_ROLES = {
  /** Owns the tables and runs the migrations. Not a superuser, so FORCE RLS binds it. */
  owner: { name: 'tenancy_owner', password: 'tenancy_owner_pw' },
  /** What the application connects as: no superuser, no BYPASSRLS, owns nothing. */
  app: { name: 'tenancy_app', password: 'tenancy_app_pw' },
} as const;
