// What test files import: `import { createTestDatabase } from '../support'`.
export {
  FIXTURE_MIGRATIONS,
  FIXTURE_MIGRATIONS_DIR,
  fixtureMigrationNames,
  fixtureMigrationSql,
} from './fixture-migrations';
export { rewriteUrl, quoteIdent, withAdminClient, withClient } from './pg-client';
export { createTestDatabase, serverAdminUrl, type CreateTestDatabaseOptions, type TestDatabase } from './test-database';
export { TEST_ROLES } from './test-env.constants';
export { markOwned } from './ownership';
