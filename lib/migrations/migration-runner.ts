import { performance } from 'node:perf_hooks';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { FailedMigrationFoundError } from './errors/failed-migration-found.error';
import { InvalidSchemaNameError } from './errors/invalid-schema-name.error';
import { MigrationChecksumMismatchError } from './errors/migration-checksum-mismatch.error';
import { SchemaNotEmptyError } from './errors/schema-not-empty.error';
import { applyMigration } from './migration-apply';
import { migrationChecksumMatches } from './migration-folder';
import { runAll } from './migrate-all';
import {
  COUNT_USER_TABLES,
  createHistoryTable,
  historyTable,
  isValidSchemaName,
  markRolledBack,
  quoteIdent,
  selectHistory,
  type PrismaMigrationRow,
} from './prisma-migrations.sql';
import { withTargetSession, type TargetSession } from './target-connection';
import type {
  MigrateAllOptions,
  MigrateAllReport,
  MigrationClient,
  MigrationTarget,
  TenantMigration,
  TenantMigrationResult,
  TenantMigrationRunnerOptions,
} from './tenant-migration.interface';

/**
 * Applies a Prisma migrations folder to tenants, in process, without the
 * Prisma CLI or its schema engine, keeping `_prisma_migrations` exactly as
 * `prisma migrate deploy` would, so either tool can take over from the other.
 *
 * For each target it takes a per-target advisory lock, creates the schema and
 * the history table if missing, refuses to go on past an unresolved failure
 * (Prisma's P3009) or, by default, an edited migration, then applies each
 * pending migration in its own transaction. `migrateAll` does that for many
 * targets with bounded concurrency and reports per target.
 */
export class TenantMigrationRunner {
  private readonly connect: (target: MigrationTarget) => Promise<MigrationClient>;
  private readonly migrations: readonly TenantMigration[];
  private readonly checksumMismatch: 'error' | 'warn';
  private readonly createSchema: boolean;
  private readonly lockTimeoutMs: number;
  private readonly schema: string | undefined;

  constructor(options: TenantMigrationRunnerOptions) {
    const { pool, connect } = options;
    if (!pool === !connect) throw new TenancyConfigError('migrations', 'give exactly one of `pool` or `connect`');
    this.connect = connect ?? (() => pool!.connect());
    const names = new Set(options.migrations.map((migration) => migration.name));
    if (names.size !== options.migrations.length)
      throw new TenancyConfigError('migrations', 'migration names must be unique');
    this.migrations = options.migrations;
    if (options.schema !== undefined && !isValidSchemaName(options.schema)) {
      throw new TenancyConfigError('schema', 'not a plain SQL identifier (letters, digits, _ or $; at most 63)');
    }
    this.schema = options.schema;
    this.checksumMismatch = options.checksumMismatch ?? 'error';
    this.createSchema = options.createSchema ?? true;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 600_000;
  }

  /**
   * Brings one target up to date. Throws a `TenantMigrationError` subclass:
   * `InvalidSchemaNameError` (before any SQL), `FailedMigrationFoundError`,
   * `MigrationChecksumMismatchError`, `SchemaNotEmptyError`,
   * `MigrationLockTimeoutError` or `MigrationFailedError`; migrations applied
   * before a failure stay applied.
   */
  async migrate(target: MigrationTarget = {}): Promise<TenantMigrationResult> {
    return this.run(this.resolve(target), []);
  }

  /**
   * Migrates many targets, `concurrency` at a time. One target's failure does
   * not stop the others; it is reported with `status: 'failed'`. Never throws
   * for a target; print the result with `formatMigrationReport`.
   */
  async migrateAll(targets: readonly MigrationTarget[], options: MigrateAllOptions = {}): Promise<MigrateAllReport> {
    const { around } = options;
    return runAll(targets, options, async (target, applied) => {
      const resolved = this.resolve(target);
      const migrate = () => this.run(resolved, applied);
      return around ? around(resolved, migrate) : migrate();
    });
  }

  /**
   * `prisma migrate resolve --rolled-back <name>` for one target: marks its
   * unresolved failed rows of that migration as rolled back, so the next run
   * applies it again. Returns how many rows were marked.
   */
  async markRolledBack(target: MigrationTarget, migrationName: string): Promise<number> {
    const resolved = this.resolve(target);
    return withTargetSession(this.connect, resolved, this.lockTimeoutMs, async ({ client, schema }) => {
      const result = await client.query(markRolledBack(historyTable(schema)), [migrationName]);
      return result.rowCount ?? 0;
    });
  }

  private resolve(target: MigrationTarget): MigrationTarget {
    const schema = target.schema ?? this.schema;
    if (schema !== undefined && !isValidSchemaName(schema)) throw new InvalidSchemaNameError(target);
    return { ...target, schema };
  }

  /** `applied` is filled as migrations commit, so a caller still knows them after a failure. */
  private async run(target: MigrationTarget, applied: string[]): Promise<TenantMigrationResult> {
    const started = performance.now();
    const warnings: string[] = [];
    await withTargetSession(this.connect, target, this.lockTimeoutMs, async (session) => {
      const rows = await this.history(session, target);
      this.check(target, rows, warnings);
      const done = new Set(rows.filter((row) => row.rolled_back_at === null).map((row) => row.migration_name));
      for (const migration of this.migrations) {
        if (done.has(migration.name)) continue;
        await applyMigration(session.client, target, session.schema, migration);
        applied.push(migration.name);
      }
    });
    return { target, applied, warnings, durationMs: performance.now() - started };
  }

  /** The target's history rows, creating the schema and `_prisma_migrations` on first use. */
  private async history({ client, schema }: TargetSession, target: MigrationTarget): Promise<PrismaMigrationRow[]> {
    const { rows } = await client.query<{ schema_exists: boolean; has_table: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists, ' +
        "to_regclass(format('%I._prisma_migrations', $1::text)) IS NOT NULL AS has_table",
      [schema],
    );
    if (!rows[0].has_table) {
      if (!rows[0].schema_exists) {
        if (!this.createSchema)
          throw new Error(`nestjs-prisma-tenancy: schema "${schema}" does not exist (createSchema is off).`);
        // The existence check first: CREATE SCHEMA IF NOT EXISTS needs the
        // CREATE privilege on the database even when the schema exists.
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      } else {
        const { rows: tables } = await client.query<{ n: number }>(COUNT_USER_TABLES, [schema]);
        if (tables[0].n > 0) throw new SchemaNotEmptyError(target, schema);
      }
      await client.query(createHistoryTable(historyTable(schema)));
      return [];
    }
    return (await client.query<PrismaMigrationRow>(selectHistory(historyTable(schema)))).rows;
  }

  /** Prisma's P3009 check, then the checksum check of applied migrations. */
  private check(target: MigrationTarget, rows: PrismaMigrationRow[], warnings: string[]): void {
    const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed.length) {
      throw new FailedMigrationFoundError(
        target,
        failed.map((row) => row.migration_name),
        failed.map((row) => row.logs),
      );
    }
    const byName = new Map(this.migrations.map((migration) => [migration.name, migration]));
    const edited = rows
      .filter((row) => row.rolled_back_at === null)
      .filter((row) => {
        const migration = byName.get(row.migration_name);
        return migration !== undefined && !migrationChecksumMatches(migration.sql, row.checksum);
      })
      .map((row) => row.migration_name);
    if (!edited.length) return;
    if (this.checksumMismatch === 'error') throw new MigrationChecksumMismatchError(target, edited);
    warnings.push(`modified after being applied: ${edited.join(', ')}`);
  }
}
