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

// One schema and one database per record: two records on one would share
// their data, and deprovisioning one would drop the other's. The schema is
// compared lower-cased; the database by `database_key` (host:port/database,
// derived by the store from the URL, which may be encrypted).
const UNIQUE_RESOURCES = `-- Refuse to upgrade over records that already share a schema: an operator must decide whose it is.
DO $$
DECLARE
    shared TEXT;
BEGIN
    SELECT string_agg(format('%s (%s)', name, ids), '; ') INTO shared FROM (
        SELECT lower("schema_name") AS name, string_agg("id", ', ' ORDER BY "id") AS ids
        FROM "tenancy_tenants" WHERE "schema_name" IS NOT NULL GROUP BY 1 HAVING count(*) > 1
    ) AS d;
    IF shared IS NOT NULL THEN
        RAISE EXCEPTION 'tenant records share a schema: %. Give each its own schema (or delete the stray record) before upgrading', shared;
    END IF;
END $$;

-- AlterTable
ALTER TABLE "tenancy_tenants" ADD COLUMN "database_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "tenancy_tenants_schema_name_key" ON "tenancy_tenants"(lower("schema_name"));

-- CreateIndex
CREATE UNIQUE INDEX "tenancy_tenants_database_key_key" ON "tenancy_tenants"("database_key");
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
  migration('20261204000000_tenancy_unique_resources', UNIQUE_RESOURCES),
]);
