import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { TenancyConfigError } from '../../lib/errors/tenancy-config.error';
import { FailedMigrationFoundError } from '../../lib/migrations/errors/failed-migration-found.error';
import { InvalidSchemaNameError } from '../../lib/migrations/errors/invalid-schema-name.error';
import { MigrationChecksumMismatchError } from '../../lib/migrations/errors/migration-checksum-mismatch.error';
import { MigrationFailedError } from '../../lib/migrations/errors/migration-failed.error';
import { MigrationLockTimeoutError } from '../../lib/migrations/errors/migration-lock-timeout.error';
import { readMigrationsFolder } from '../../lib/migrations/migration-folder';
import { TenantMigrationRunner } from '../../lib/migrations/migration-runner';
import { LOCK_NAMESPACE } from '../../lib/migrations/prisma-migrations.sql';
import type { MigrationClient, TargetMigrationReport } from '../../lib/migrations/tenant-migration.interface';
import { createTestDatabase, type TestDatabase } from '../support';
import { MIGRATIONS, tablesIn, tenantSchemas, writeMigrations } from './migration-fixtures';

const [INIT, AUDIT, DONE] = Object.keys(MIGRATIONS);

describe('TenantMigrationRunner failures, locking and validation', () => {
  let db: TestDatabase;
  let pool: Pool;
  const dirs: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    pool = new Pool({ connectionString: db.ownerUrl, max: 6 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function folder(migrations: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-failures-'));
    dirs.push(dir);
    writeMigrations(dir, migrations);
    return dir;
  }

  it('runs a CONCURRENTLY migration outside a transaction, as Prisma does, and records a failing one', async () => {
    const [schema] = tenantSchemas('concurrently', 1);
    const concurrent = '20250102000000_name_index';
    const dir = folder({
      [INIT]: MIGRATIONS[INIT],
      // The comment must not count; the statement must.
      [concurrent]:
        '-- not in a transaction block\nCREATE INDEX CONCURRENTLY "projects_name_idx" ON "projects" ("name");\n',
    });
    // On a connection of our own, to see that the runner gives its search path back.
    const client = await pool.connect();
    try {
      await client.query('SET search_path TO public');
      const runner = new TenantMigrationRunner({
        connect: async () => ({ query: client.query.bind(client), release: () => undefined }),
        migrations: await readMigrationsFolder(dir),
      });
      expect((await runner.migrate({ schema })).applied).toEqual([INIT, concurrent]);
      expect((await client.query('SHOW search_path')).rows[0].search_path).toBe('public');
    } finally {
      client.release();
    }
    const { rows: index } = await pool.query(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2',
      [schema, 'projects_name_idx'],
    );
    expect(index).toHaveLength(1);
    const { rows } = await pool.query(
      `SELECT finished_at, applied_steps_count, logs FROM ${schema}._prisma_migrations WHERE migration_name = $1`,
      [concurrent],
    );
    expect(rows).toEqual([{ finished_at: expect.any(Date), applied_steps_count: 1, logs: null }]);

    // A failing one (no such column): recorded like Prisma (row unfinished, logs), then blocking.
    const bad = '20250103000000_bad_index';
    writeMigrations(dir, { [bad]: 'CREATE INDEX CONCURRENTLY "projects_nope_idx" ON "projects" ("nope");\n' });
    const again = new TenantMigrationRunner({ pool, migrations: await readMigrationsFolder(dir) });
    const failure = await again.migrate({ schema }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect(failure).toMatchObject({ migrationName: bad, databaseErrorCode: '42703', recorded: true });
    const { rows: failed } = await pool.query(
      `SELECT finished_at, logs FROM ${schema}._prisma_migrations WHERE migration_name = $1`,
      [bad],
    );
    expect(failed).toEqual([{ finished_at: null, logs: expect.stringContaining('Database error code: 42703') }]);
    await expect(again.migrate({ schema })).rejects.toBeInstanceOf(FailedMigrationFoundError);
  });

  it('records a failing migration in one of five schemas, lets the others finish, and finishes it once fixed and resolved', async () => {
    const schemas = tenantSchemas('fail', 5);
    const targets = schemas.map((schema, i) => ({ schema, tenantId: `tenant-${i}` }));
    const broken = schemas[2];
    const dir = folder({ [INIT]: MIGRATIONS[INIT] });
    await new TenantMigrationRunner({ pool, migrations: await readMigrationsFolder(dir) }).migrateAll(targets);
    // Something tenant-specific the second migration trips over in one schema only.
    await pool.query(`CREATE TABLE ${broken}.audit_log (legacy int)`);
    writeMigrations(dir, MIGRATIONS);

    const progress: TargetMigrationReport[] = [];
    const runner = new TenantMigrationRunner({ pool, migrations: await readMigrationsFolder(dir) });
    const report = await runner.migrateAll(targets, { concurrency: 3, onProgress: (line) => progress.push(line) });

    expect(progress).toHaveLength(5);
    expect(report.totals).toMatchObject({ targets: 5, ok: 4, failed: 1, applied: 8 });
    const failed = report.targets[2];
    expect(failed).toMatchObject({ status: 'failed', applied: [] });
    expect(failed.error).toBeInstanceOf(MigrationFailedError);
    expect(failed.error).toMatchObject({ migrationName: AUDIT, databaseErrorCode: '42P07', recorded: true });
    expect(failed.error!.message).toContain(`Migration "${AUDIT}" failed for tenant "tenant-2" (schema "${broken}")`);
    for (const i of [0, 1, 3, 4]) expect(report.targets[i]).toMatchObject({ status: 'ok', applied: [AUDIT, DONE] });

    // Rolled back as a whole (the index of the failed script is not there), and recorded as Prisma does.
    const { rows: indexes } = await pool.query('SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [
      broken,
      'audit_log_at_idx',
    ]);
    expect(indexes).toEqual([]);
    const { rows } = await pool.query(`SELECT * FROM ${broken}._prisma_migrations WHERE migration_name = $1`, [AUDIT]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(rows[0].logs).toContain(`Migration name: ${AUDIT}`);
    expect(rows[0].logs).toContain('Database error code: 42P07');
    expect(rows[0].logs).toContain('relation "audit_log" already exists');

    // Like Prisma's P3009: nothing more until the failure is resolved.
    await expect(runner.migrate(targets[2])).rejects.toThrow(FailedMigrationFoundError);

    // The fix: make the migration tolerate the tenant's table, mark the failure rolled back, run the failed target again.
    const fixed = MIGRATIONS[AUDIT].replace(
      'CREATE TABLE "audit_log"',
      'CREATE TABLE IF NOT EXISTS "audit_log"',
    ).replace(
      'CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");',
      'ALTER TABLE "audit_log" ADD COLUMN IF NOT EXISTS "at" TIMESTAMPTZ NOT NULL DEFAULT now();\nCREATE INDEX "audit_log_at_idx" ON "audit_log"("at");',
    );
    writeFileSync(join(dir, AUDIT, 'migration.sql'), fixed);
    const fixedRunner = new TenantMigrationRunner({ pool, migrations: await readMigrationsFolder(dir) });
    expect(await fixedRunner.markRolledBack(targets[2], AUDIT)).toBe(1);
    const retry = await fixedRunner.migrateAll(
      report.targets.filter((line) => line.status === 'failed').map((line) => line.target),
    );
    expect(retry.totals).toMatchObject({ ok: 1, failed: 0, applied: 2 });
    expect(retry.targets[0].applied).toEqual([AUDIT, DONE]);
    const { rows: history } = await pool.query(
      `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM ${broken}._prisma_migrations ORDER BY started_at`,
    );
    expect(history).toEqual([
      { migration_name: INIT, finished: true, rolled_back: false },
      { migration_name: AUDIT, finished: false, rolled_back: true },
      { migration_name: AUDIT, finished: true, rolled_back: false },
      { migration_name: DONE, finished: true, rolled_back: false },
    ]);

    // The other four ran the original file: by default they now report the edit, under `warn` they pass.
    const all = await fixedRunner.migrateAll(targets);
    expect(all.totals).toMatchObject({ ok: 1, failed: 4 });
    expect(all.targets[0].error).toBeInstanceOf(MigrationChecksumMismatchError);
    const lenient = await new TenantMigrationRunner({
      pool,
      migrations: await readMigrationsFolder(dir),
      checksumMismatch: 'warn',
    }).migrateAll(targets);
    expect(lenient.totals).toMatchObject({ ok: 5, failed: 0, applied: 0 });
    expect(lenient.targets.filter((line) => line.warnings.length)).toHaveLength(4);
  });

  it('serialises two concurrent runs on one schema: one applies, the other waits and finds nothing to do', async () => {
    const [schema] = tenantSchemas('race', 1);
    const slow = { ...MIGRATIONS, [INIT]: `SELECT pg_sleep(0.5);\n${MIGRATIONS[INIT]}` };
    const migrations = await readMigrationsFolder(folder(slow));
    // Two pools: as two processes would, with nothing shared in Node.
    const poolB = new Pool({ connectionString: db.ownerUrl, max: 1 });
    try {
      const results = await Promise.all([
        new TenantMigrationRunner({ pool, migrations }).migrate({ schema }),
        new TenantMigrationRunner({ pool: poolB, migrations }).migrate({ schema }),
      ]);
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 3]);
      const waited = results.find((r) => r.applied.length === 0)!;
      expect(waited.durationMs).toBeGreaterThan(400);
      const { rows } = await pool.query(
        `SELECT migration_name, count(*)::int AS n FROM ${schema}._prisma_migrations GROUP BY 1 ORDER BY 1`,
      );
      expect(rows).toEqual(Object.keys(MIGRATIONS).map((name) => ({ migration_name: name, n: 1 })));
    } finally {
      await poolB.end();
    }
  });

  it('waits for a lock held elsewhere, and gives up after lockTimeoutMs', async () => {
    const [schema] = tenantSchemas('lock', 1);
    const migrations = await readMigrationsFolder(folder(MIGRATIONS));
    const holder = await pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);
      const impatient = new TenantMigrationRunner({ pool, migrations, lockTimeoutMs: 200 });
      await expect(impatient.migrate({ schema })).rejects.toThrow(MigrationLockTimeoutError);

      let finished = false;
      const patient = new TenantMigrationRunner({ pool, migrations })
        .migrate({ schema })
        .finally(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(finished).toBe(false);
      expect(await tablesIn(pool, schema)).toEqual([]);
      await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);
      expect((await patient).applied).toHaveLength(3);
    } finally {
      holder.release();
    }
  });

  it('rejects invalid schema names before any SQL is sent', async () => {
    const migrations = await readMigrationsFolder(folder(MIGRATIONS));
    const connected: string[] = [];
    const connect = async (target: { schema?: string }): Promise<MigrationClient> => {
      connected.push(target.schema ?? '');
      return pool.connect();
    };
    const runner = new TenantMigrationRunner({ connect, migrations });
    const invalid = [
      '',
      'bad-name',
      'x"; DROP SCHEMA public CASCADE; --',
      'Tenant One',
      '1abc',
      'pg_catalog',
      'a'.repeat(64),
      'ünï',
    ];
    for (const schema of invalid) {
      await expect(runner.migrate({ schema })).rejects.toThrow(InvalidSchemaNameError);
    }
    expect(connected).toEqual([]);

    const [valid] = tenantSchemas('valid', 1);
    const report = await runner.migrateAll([{ schema: invalid[2], tenantId: 'evil' }, { schema: valid }]);
    expect(report.targets.map((line) => line.status)).toEqual(['failed', 'ok']);
    expect(report.targets[0].error!.message).not.toContain('DROP');
    expect(connected).toEqual([valid]);

    expect(() => new TenantMigrationRunner({ pool, migrations, schema: 'no good' })).toThrow(TenancyConfigError);
    expect(() => new TenantMigrationRunner({ migrations })).toThrow(TenancyConfigError);
    expect(() => new TenantMigrationRunner({ pool, migrations: [...migrations, migrations[0]] })).toThrow(
      TenancyConfigError,
    );
    await expect(runner.migrateAll([{ schema: valid }], { concurrency: 0 })).rejects.toThrow(TenancyConfigError);
  });
});
