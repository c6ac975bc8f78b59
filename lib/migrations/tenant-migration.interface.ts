import type { Pool, PoolClient } from 'pg';

/** One migration of a Prisma migrations folder, read once and shared by every tenant. */
export interface TenantMigration {
  /** The folder name, `<timestamp>_<name>`; what `_prisma_migrations.migration_name` holds. */
  name: string;
  /** The script, as Prisma reads it (UTF-8, line endings untouched). */
  sql: string;
  /** Hex SHA-256 of the script: exactly what Prisma writes to `_prisma_migrations.checksum`. */
  checksum: string;
}

/** Where one tenant's migrations go. */
export interface MigrationTarget {
  /**
   * The tenant's PostgreSQL schema. The runner sets `search_path` to it alone,
   * so `_prisma_migrations` and every unqualified name in the scripts land
   * there. Default: the runner's `schema`, else the connection's own
   * `current_schema()` (database-per-tenant, or a single shared schema).
   */
  schema?: string;
  /** Who this target is, in reports and errors. Default: the schema, else `default`. */
  tenantId?: string;
}

/** The part of a pg `PoolClient` the runner uses; a pool's clients fit as they are. */
export type MigrationClient = Pick<PoolClient, 'query' | 'release'>;

/** Options of `TenantMigrationRunner`. Give `pool` or `connect`. */
export interface TenantMigrationRunnerOptions {
  /** Pool the runner borrows one client per target from. Default: none (use `connect`). */
  pool?: Pool;
  /**
   * Hands out a client for a target, for database-per-tenant (one pool per
   * database). The runner calls `release()` when done, `release(true)` when the
   * connection may be unusable. Default: none (use `pool`).
   */
  connect?: (target: MigrationTarget) => Promise<MigrationClient>;
  /** The migrations, in order, as `readMigrationsFolder` returns them. */
  migrations: readonly TenantMigration[];
  /** Schema used for targets that name none. Default: none (the connection's `current_schema()`). */
  schema?: string;
  /**
   * What to do when an applied migration's file no longer matches its recorded
   * checksum (line endings are ignored, as Prisma does): `error` stops that
   * target with `MigrationChecksumMismatchError` before applying anything;
   * `warn` lists it in the result's `warnings` and goes on. Default: `error`.
   */
  checksumMismatch?: 'error' | 'warn';
  /**
   * Create the target schema when it does not exist, as `prisma migrate deploy`
   * does. Default: `true`.
   */
  createSchema?: boolean;
  /**
   * How long to wait for another process migrating the same target before
   * giving up with `MigrationLockTimeoutError`; `0` waits for ever.
   * Default: `600000` (10 minutes).
   */
  lockTimeoutMs?: number;
}

/** What `migrate()` did for one target. */
export interface TenantMigrationResult {
  target: MigrationTarget;
  /** Names of the migrations applied now, in order; empty when up to date. */
  applied: string[];
  /** Non-fatal findings, for example a changed checksum under `checksumMismatch: 'warn'`. */
  warnings: string[];
  durationMs: number;
}

/** One line of a `migrateAll()` report. */
export interface TargetMigrationReport extends TenantMigrationResult {
  /**
   * `skipped`: not migrated, and nothing was applied: the run was interrupted
   * (`signal`) before the target's turn, or `around` passed it over.
   */
  status: 'ok' | 'failed' | 'skipped';
  /** Why the target failed; usually a `TenantMigrationError` subclass. */
  error?: Error;
}

/** Options of `migrateAll()`. */
export interface MigrateAllOptions {
  /**
   * Targets migrated at once; each holds one connection. Keep it at or below
   * the pool's `max`. Default: `4`.
   */
  concurrency?: number;
  /** Called after each target, in completion order. Default: none. */
  onProgress?: (report: TargetMigrationReport, progress: { done: number; total: number }) => void;
  /**
   * Wraps each target's run, for example to hold a lock of your own around
   * it or to check first that the target still exists. Returning
   * `{ skip: reason }` without calling `migrate` reports the target `skipped`.
   * What it throws becomes that target's failed line. Default: none.
   */
  around?: (
    target: MigrationTarget,
    migrate: () => Promise<TenantMigrationResult>,
  ) => Promise<TenantMigrationResult | { skip: string }>;
  /**
   * Stops the run: targets not started yet are reported `skipped`; those
   * under way finish (each migration is one transaction, so stopping one
   * mid-way would only roll it back). For Ctrl+C in a CLI. Default: none.
   */
  signal?: AbortSignal;
}

/** What `migrateAll()` returns; it never throws for a single target's failure. */
export interface MigrateAllReport {
  /** One entry per target, in the order given. */
  targets: TargetMigrationReport[];
  totals: {
    targets: number;
    ok: number;
    failed: number;
    skipped: number;
    /** Migrations applied, over all targets. */
    applied: number;
    durationMs: number;
  };
}
