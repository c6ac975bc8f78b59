// The migration runner's public surface; re-exported from the package root.
export { TenantMigrationRunner } from './migration-runner';
export { readMigrationsFolder, migrationChecksum, migrationChecksumMatches } from './migration-folder';
export { formatMigrationReport, type MigrationReportFormatOptions } from './migration-report';
export type {
  TenantMigration,
  MigrationTarget,
  MigrationClient,
  TenantMigrationRunnerOptions,
  TenantMigrationResult,
  TargetMigrationReport,
  MigrateAllOptions,
  MigrateAllReport,
} from './tenant-migration.interface';
export { TenantMigrationError } from './errors/tenant-migration.error';
export { MigrationFailedError } from './errors/migration-failed.error';
export { FailedMigrationFoundError } from './errors/failed-migration-found.error';
export { MigrationChecksumMismatchError } from './errors/migration-checksum-mismatch.error';
export { MigrationLockTimeoutError } from './errors/migration-lock-timeout.error';
export { SchemaNotEmptyError } from './errors/schema-not-empty.error';
export { InvalidSchemaNameError } from './errors/invalid-schema-name.error';
