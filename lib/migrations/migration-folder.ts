import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TenantMigration } from './tenant-migration.interface';

/** The script file Prisma expects in each migration folder. */
export const MIGRATION_SCRIPT_FILE = 'migration.sql';

/**
 * The checksum Prisma records for a migration script: hex SHA-256 of the
 * script's UTF-8 bytes, line endings untouched (Prisma normalises them only
 * when comparing, see `migrationChecksumMatches`).
 */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * Whether a script still matches a recorded checksum, with Prisma's leniency:
 * the script as is, with CRLF turned to LF, or with LF turned to CRLF, so a
 * checkout with other line endings (git autocrlf) is not taken for an edit;
 * and the unpadded hex that old Prisma versions wrote (prisma-engines#1887).
 */
export function migrationChecksumMatches(sql: string, checksum: string): boolean {
  const variants = [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')];
  const unpadded = checksum.length > 0 && checksum.length !== 64;
  return variants.some((variant) => {
    const hex = migrationChecksum(variant);
    return (unpadded ? unpad(hex) : hex) === checksum;
  });
}

function unpad(hex: string): string {
  return hex.replace(/(..)/g, (byte: string) => (byte[0] === '0' ? byte[1] : byte));
}

/**
 * Reads a Prisma migrations folder (`<dir>/<timestamp>_<name>/migration.sql`)
 * the way the Prisma 7 CLI does: only sub-directories count (so
 * `migration_lock.toml` and stray files are ignored), each script is read as
 * UTF-8, and folders are sorted with `localeCompare`, Prisma's own order.
 * Read once at boot and hand the list to `TenantMigrationRunner`: every tenant
 * then reuses the same strings. A missing folder gives an empty list, as in
 * Prisma; a sub-folder without `migration.sql` is an error, since Prisma
 * would fail on it too, only later.
 */
export async function readMigrationsFolder(dir: string): Promise<TenantMigration[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const file = join(dir, name, MIGRATION_SCRIPT_FILE);
      let sql: string;
      try {
        sql = await readFile(file, { encoding: 'utf8' });
      } catch (error) {
        throw new Error(`nestjs-prisma-tenancy: cannot read migration script ${file}: ${(error as Error).message}`);
      }
      return { name, sql, checksum: migrationChecksum(sql) };
    }),
  );
}
