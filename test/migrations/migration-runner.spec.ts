import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { MigrationChecksumMismatchError } from '../../lib/migrations/errors/migration-checksum-mismatch.error';
import { SchemaNotEmptyError } from '../../lib/migrations/errors/schema-not-empty.error';
import { migrationChecksum, readMigrationsFolder } from '../../lib/migrations/migration-folder';
import { TenantMigrationRunner } from '../../lib/migrations/migration-runner';
import { formatMigrationReport } from '../../lib/migrations/migration-report';
import type { TenantMigration } from '../../lib/migrations/tenant-migration.interface';
import { createTestDatabase, type TestDatabase } from '../support';
import { MIGRATIONS, tablesIn, tenantSchemas, writeMigrations } from './migration-fixtures';

describe('TenantMigrationRunner', () => {
  let db: TestDatabase;
  let pool: Pool;
  let dir: string;
  let migrations: TenantMigration[];

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    // The owner, not a superuser: what a deploy job should connect as.
    pool = new Pool({ connectionString: db.ownerUrl, max: 4 });
    dir = mkdtempSync(join(tmpdir(), 'tenancy-runner-'));
    writeMigrations(dir, MIGRATIONS);
    migrations = await readMigrationsFolder(dir);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every migration to each schema, and only there', async () => {
    const runner = new TenantMigrationRunner({ pool, migrations });
    const schemas = tenantSchemas('three', 3);
    const report = await runner.migrateAll(
      schemas.map((schema) => ({ schema })),
      { concurrency: 2 },
    );

    expect(report.totals).toMatchObject({ targets: 3, ok: 3, failed: 0, applied: 9 });
    for (const line of report.targets) expect(line.applied).toEqual(migrations.map((m) => m.name));
    for (const schema of schemas) {
      expect(await tablesIn(pool, schema)).toEqual(['_prisma_migrations', 'audit_log', 'projects', 'tasks']);
    }
    expect(await tablesIn(pool, 'public')).toEqual([]);
  });

  it('stops taking targets once its signal aborts: those under way finish, the rest are skipped with nothing applied', async () => {
    const runner = new TenantMigrationRunner({ pool, migrations });
    const schemas = tenantSchemas('interrupted', 6);
    const abort = new AbortController();
    const report = await runner.migrateAll(
      schemas.map((schema) => ({ schema })),
      // Ctrl+C after the first target is done, while the second is under way.
      { concurrency: 2, signal: abort.signal, onProgress: () => abort.abort() },
    );
    expect(report.totals).toMatchObject({ targets: 6, ok: 2, failed: 0, skipped: 4, applied: 6 });
    expect(report.targets.slice(2).map((line) => [line.status, line.applied, line.warnings])).toEqual(
      Array(4).fill(['skipped', [], ['skipped: interrupted before its turn']]),
    );
    for (const schema of schemas.slice(0, 2)) expect(await tablesIn(pool, schema)).toContain('projects');
    for (const schema of schemas.slice(2)) expect(await tablesIn(pool, schema)).toEqual([]);
    expect(formatMigrationReport(report)).toContain('6 targets: 2 ok, 0 failed, 4 skipped;');
  });

  it("records each migration the way Prisma does, in Prisma's table", async () => {
    const runner = new TenantMigrationRunner({ pool, migrations });
    const [schema] = tenantSchemas('rows', 1);
    await runner.migrate({ schema });

    const { rows } = await pool.query(
      `SELECT id, checksum, migration_name, logs, finished_at, rolled_back_at, started_at, applied_steps_count
         FROM ${schema}._prisma_migrations ORDER BY migration_name`,
    );
    expect(rows.map((row) => [row.migration_name, row.checksum, row.applied_steps_count])).toEqual(
      migrations.map((m) => [m.name, migrationChecksum(m.sql), 1]),
    );
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
    const { rows: columns } = await pool.query(
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      [schema],
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
      { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
      {
        column_name: 'finished_at',
        data_type: 'timestamp with time zone',
        len: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'migration_name',
        data_type: 'character varying',
        len: 255,
        is_nullable: 'NO',
        column_default: null,
      },
      { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
      {
        column_name: 'rolled_back_at',
        data_type: 'timestamp with time zone',
        len: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'started_at',
        data_type: 'timestamp with time zone',
        len: null,
        is_nullable: 'NO',
        column_default: 'now()',
      },
      { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
    ]);
    const { rows: keys } = await pool.query(
      "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'",
      [`${schema}._prisma_migrations`],
    );
    expect(keys).toEqual([{ conname: '_prisma_migrations_pkey' }]);
  });

  it('applies nothing on a second run, and leaves the pooled session as it found it', async () => {
    const single = new Pool({ connectionString: db.ownerUrl, max: 1 });
    try {
      const runner = new TenantMigrationRunner({ pool: single, migrations });
      const [schema] = tenantSchemas('rerun', 1);
      expect((await runner.migrate({ schema })).applied).toHaveLength(migrations.length);
      const again = await runner.migrate({ schema });
      expect(again.applied).toEqual([]);
      expect(again.warnings).toEqual([]);
      const { rows } = await single.query(
        "SELECT current_setting('search_path') AS path, count(*)::int AS locks FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
      );
      expect(rows[0]).toEqual({ path: '"$user", public', locks: 0 });
    } finally {
      await single.end();
    }
  });

  it('tolerates CRLF checkouts but, by default, stops a target whose applied migration was edited', async () => {
    const [schema] = tenantSchemas('edited', 1);
    await new TenantMigrationRunner({ pool, migrations }).migrate({ schema });

    const crlf = migrations.map((m) => ({
      ...m,
      sql: m.sql.replaceAll('\n', '\r\n'),
      checksum: migrationChecksum(m.sql.replaceAll('\n', '\r\n')),
    }));
    await expect(new TenantMigrationRunner({ pool, migrations: crlf }).migrate({ schema })).resolves.toMatchObject({
      applied: [],
      warnings: [],
    });

    const edited = migrations.map((m, i) =>
      i === 0 ? { ...m, sql: `${m.sql}-- edited\n`, checksum: migrationChecksum(`${m.sql}-- edited\n`) } : m,
    );
    const strict = new TenantMigrationRunner({ pool, migrations: edited });
    await expect(strict.migrate({ schema })).rejects.toThrow(MigrationChecksumMismatchError);
    await expect(strict.migrate({ schema })).rejects.toThrow(migrations[0].name);

    const lenient = new TenantMigrationRunner({ pool, migrations: edited, checksumMismatch: 'warn' });
    const result = await lenient.migrate({ schema });
    expect(result.applied).toEqual([]);
    expect(result.warnings).toEqual([`modified after being applied: ${migrations[0].name}`]);
  });

  it('refuses a schema that has tables but no migration history (P3005)', async () => {
    const [schema] = tenantSchemas('legacy', 1);
    await pool.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.legacy (id int)`);
    const error = await new TenantMigrationRunner({ pool, migrations })
      .migrate({ schema, tenantId: 'legacy-co' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNotEmptyError);
    expect((error as SchemaNotEmptyError).message).toContain('tenant "legacy-co"');
    expect(await tablesIn(pool, schema)).toEqual(['legacy']);
  });

  it('prints a report table', async () => {
    const runner = new TenantMigrationRunner({ pool, migrations });
    const schemas = tenantSchemas('report', 2);
    const report = await runner.migrateAll([
      { schema: schemas[0], tenantId: 'acme' },
      { schema: schemas[1] },
      { schema: 'bad name' },
    ]);
    const text = formatMigrationReport(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^tenant\s+schema\s+status\s+applied\s+ms\s+error \/ warnings$/);
    expect(lines[2]).toMatch(new RegExp(`^acme\\s+${schemas[0]}\\s+ok\\s+3 \\(${migrations[2].name}\\)`));
    expect(lines[4]).toMatch(
      /^bad name\s+bad name\s+failed\s+0\s+\d+\s+The schema name of a migration target is invalid/,
    );
    expect(lines.at(-1)).toMatch(/^3 targets: 2 ok, 1 failed; 6 migrations applied in \d+\.\d s$/);
    expect(formatMigrationReport(report, { problemsOnly: true }).split('\n')).toHaveLength(5);
  });

  it('works for database-per-tenant through a connect factory, in the connection schema', async () => {
    const other = await createTestDatabase({ migrations: [] });
    const pools = { a: pool, b: new Pool({ connectionString: other.ownerUrl, max: 1 }) };
    try {
      const runner = new TenantMigrationRunner({
        migrations,
        connect: (target) => pools[target.tenantId as 'a' | 'b'].connect(),
      });
      const result = await runner.migrate({ tenantId: 'b' });
      expect(result.applied).toHaveLength(3);
      expect(await tablesIn(pools.b, 'public')).toEqual(['_prisma_migrations', 'audit_log', 'projects', 'tasks']);
      expect(await tablesIn(pool, 'public')).toEqual([]);
    } finally {
      await pools.b.end();
      await other.drop();
    }
  });
});
