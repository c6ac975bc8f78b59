import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import type { Pool } from 'pg';

/** Three small migrations, as `prisma migrate dev` would write them (one with non-ASCII text). */
export const MIGRATIONS: Record<string, string> = {
  '20250101000000_init': `-- CreateTable
CREATE TABLE "projects" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
  '20250102000000_audit': `-- CreateTable
CREATE TABLE "audit_log" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "entry" TEXT NOT NULL,
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");
`,
  '20250103000000_done_flag': `-- AlterTable: « terminé » ✓
ALTER TABLE "tasks" ADD COLUMN "done" BOOLEAN NOT NULL DEFAULT false;

-- Seed
INSERT INTO "projects" ("id", "name") VALUES ('welcome', 'Première étape');
`,
};

/** Writes `<dir>/<name>/migration.sql` for each entry, plus Prisma's lock file. */
export function writeMigrations(dir: string, migrations: Record<string, string>): void {
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
}

/** `n` schema names unique to this call, so tests sharing a database never meet. */
export function tenantSchemas(label: string, n: number): string[] {
  const run = randomBytes(3).toString('hex');
  return Array.from({ length: n }, (_, i) => `t_${label}_${run}_${i}`);
}

/** Tables of a schema, sorted. */
export async function tablesIn(pool: Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  return rows.map((row) => row.table_name);
}
