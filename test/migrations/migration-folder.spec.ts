import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  migrationChecksum,
  migrationChecksumMatches,
  readMigrationsFolder,
} from '../../lib/migrations/migration-folder';

// Prisma writes to _prisma_migrations.checksum the hex SHA-256 of the script
// string the CLI read with readFile(path, 'utf-8') (prisma-engines,
// schema-connector/src/checksum.rs `render_checksum`); line endings count,
// and are forgiven only when comparing (`script_matches_checksum`).

const LF = Buffer.from('-- CreateTable\nCREATE TABLE "users" (\n    "id" TEXT NOT NULL\n);\n', 'utf8');
const CRLF = Buffer.from('-- CreateTable\r\nCREATE TABLE "users" (\r\n    "id" TEXT NOT NULL\r\n);\r\n', 'utf8');
const UNICODE = Buffer.from(
  '-- Añade la tabla «café» ☕ 日本語 🚀\nCREATE TABLE "café" ("naïve" TEXT DEFAULT \'größe\');\n',
  'utf8',
);
const BOM = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), LF]);

/** sha256sum(1): an implementation independent of Node's crypto, over the file's bytes. */
function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
}

describe('readMigrationsFolder', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenancy-migrations-'));
    const files: Record<string, Buffer> = {
      '20250102000000_crlf': CRLF,
      '20250101000000_init': LF,
      '20250103000000_unicode': UNICODE,
      '20250104000000_bom': BOM,
    };
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), bytes);
    }
    writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    writeFileSync(join(dir, 'README.md'), 'not a migration');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists only the sub-folders, sorted, with their scripts untouched', async () => {
    const migrations = await readMigrationsFolder(dir);
    expect(migrations.map((m) => m.name)).toEqual([
      '20250101000000_init',
      '20250102000000_crlf',
      '20250103000000_unicode',
      '20250104000000_bom',
    ]);
    expect(migrations[1].sql).toBe(CRLF.toString('utf8'));
    expect(migrations[1].sql).toContain('\r\n');
  });

  it('gives each migration the checksum Prisma records: SHA-256 of the file bytes, CRLF and unicode included', async () => {
    const migrations = await readMigrationsFolder(dir);
    for (const migration of migrations) {
      const file = join(dir, migration.name, 'migration.sql');
      expect(migration.checksum).toBe(sha256sum(file));
      expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
    const [lf, crlf, unicode, bom] = migrations;
    expect(crlf.checksum).not.toBe(lf.checksum); // Prisma does not normalise when recording
    expect(unicode.checksum).toBe(createHash('sha256').update(UNICODE).digest('hex'));
    expect(bom.checksum).toBe(createHash('sha256').update(BOM).digest('hex')); // a BOM is kept, as Node's utf-8 read keeps it
  });

  it('returns no migrations for a missing folder and fails on a folder without migration.sql', async () => {
    await expect(readMigrationsFolder(join(dir, 'nope'))).resolves.toEqual([]);
    const broken = mkdtempSync(join(tmpdir(), 'tenancy-migrations-broken-'));
    try {
      mkdirSync(join(broken, '20250101000000_empty'));
      await expect(readMigrationsFolder(broken)).rejects.toThrow(/20250101000000_empty.*migration\.sql/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('migrationChecksum / migrationChecksumMatches', () => {
  it("matches Prisma's own test vector", () => {
    // prisma-engines checksum.rs, format_checksum_does_not_strip_zeros
    expect(migrationChecksum('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  it('forgives line endings both ways, as Prisma does', () => {
    const pairs = [
      ['ab\ncd\nef\ngh\rab', 'ab\r\ncd\r\nef\r\ngh\rab'],
      ['ab\ncd\nef\ngh\rab\n', 'ab\r\ncd\r\nef\r\ngh\rab\r\n'],
    ];
    for (const scripts of pairs) {
      for (const script of scripts) {
        for (const other of scripts) expect(migrationChecksumMatches(script, migrationChecksum(other))).toBe(true);
      }
    }
    expect(migrationChecksumMatches(CRLF.toString(), migrationChecksum(LF.toString()))).toBe(true);
  });

  it('rejects real edits', () => {
    expect(migrationChecksumMatches('abc', migrationChecksum('abcd'))).toBe(false);
    expect(migrationChecksumMatches('abc\n', migrationChecksum('abc'))).toBe(false);
  });

  it('accepts the unpadded checksums written by old Prisma versions', () => {
    // Find a script whose digest has a byte below 0x10, so padding matters.
    const script = Array.from({ length: 100 }, (_, i) => `-- ${i}`).find((s) => /^(..)*0/.test(migrationChecksum(s)))!;
    const padded = migrationChecksum(script);
    const unpadded = padded.replace(/(..)/g, (byte) => (byte[0] === '0' ? byte[1] : byte));
    expect(unpadded.length).toBeLessThan(64);
    expect(migrationChecksumMatches(script, unpadded)).toBe(true);
    expect(migrationChecksumMatches(`${script}x`, unpadded)).toBe(false);
  });
});
