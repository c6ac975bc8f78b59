import { migrationChecksum } from '../migrations/migration-folder';
import type { TenantMigration } from '../migrations/tenant-migration.interface';

// The registry's migrations live in code rather than in a `.sql` folder so the
// compiled package needs no asset copying and cannot ship without them.
// NEVER edit a released script: its checksum is recorded where it ran, and a
// change would stop `store.migrate()` there. Add a new entry instead.

const TENANCY_REGISTRY = `-- CreateTable
CREATE TABLE "tenancy_tenants" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "status" TEXT NOT NULL DEFAULT 'provisioning',
    "strategy" TEXT,
    "schema_name" TEXT,
    "database_url" TEXT,
    "schema_version" TEXT,
    "migrated_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenancy_tenants_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "tenancy_tenants_status_check" CHECK ("status" IN ('provisioning', 'active', 'suspended', 'failed', 'deleted')),
    CONSTRAINT "tenancy_tenants_strategy_check" CHECK ("strategy" IN ('rls', 'schema', 'database'))
);

-- CreateIndex
CREATE INDEX "tenancy_tenants_status_idx" ON "tenancy_tenants"("status");
`;

function migration(name: string, sql: string): TenantMigration {
  return { name, sql, checksum: migrationChecksum(sql) };
}

/**
 * The migrations of the registry table `tenancy_tenants`, in Prisma's folder
 * format: `store.migrate()` applies them with the package's runner, keeping
 * `_prisma_migrations` in the registry schema. To manage the registry with
 * your own Prisma migrations instead, copy each `sql` into
 * `prisma/migrations/<name>/migration.sql`.
 */
export const REGISTRY_MIGRATIONS: readonly TenantMigration[] = Object.freeze([
  migration('20261125000000_tenancy_registry', TENANCY_REGISTRY),
]);
