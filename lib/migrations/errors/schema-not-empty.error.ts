import type { MigrationTarget } from '../tenant-migration.interface';
import { describeTarget, TenantMigrationError } from './tenant-migration.error';

/**
 * The target schema has tables but no `_prisma_migrations` table (Prisma's
 * P3005): it was not created by migrations, so replaying them from the first
 * one would fail or clash. Baseline it first: record the migrations its tables
 * already reflect with `prisma migrate resolve --applied`.
 */
export class SchemaNotEmptyError extends TenantMigrationError {
  readonly errorCode = 'SCHEMA_NOT_EMPTY';

  constructor(target: MigrationTarget, schema: string) {
    super(
      target,
      `Schema "${schema}" of ${describeTarget(target)} is not empty and has no _prisma_migrations table. ` +
        'Baseline it (record the migrations it already reflects) before migrating it.',
    );
  }
}
