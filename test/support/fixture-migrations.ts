import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Folder of the hand-written migrations of test/fixtures/prisma/schema.prisma. */
export const FIXTURE_MIGRATIONS_DIR = resolve(__dirname, '..', 'fixtures', 'prisma', 'migrations');

/** The fixture migrations by role, for tests that apply only some of them. */
export const FIXTURE_MIGRATIONS = {
  /** Tables plans, projects, tasks with their indexes and foreign key. */
  init: '20250101000000_init',
  /** `rlsPolicySql()` for projects and tasks: ENABLE + FORCE RLS and the policies. */
  rls: '20250101000001_rls',
} as const;

/** Every fixture migration folder, in the order Prisma applies them. */
export function fixtureMigrationNames(): string[] {
  return readdirSync(FIXTURE_MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(FIXTURE_MIGRATIONS_DIR, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

/** The SQL of one fixture migration; throws naming the known ones when `name` is not one. */
export function fixtureMigrationSql(name: string): string {
  const known = fixtureMigrationNames();
  if (!known.includes(name)) throw new Error(`No fixture migration "${name}"; known: ${known.join(', ')}.`);
  return readFileSync(join(FIXTURE_MIGRATIONS_DIR, name, 'migration.sql'), 'utf8');
}
