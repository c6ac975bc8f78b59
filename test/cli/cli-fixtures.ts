import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCli } from '../../lib/cli/run-cli';
import { MIGRATIONS, writeMigrations } from '../migrations/migration-fixtures';
import { createTestDatabase, TEST_ROLES, type TestDatabase } from '../support';

/** What one `runCli` call printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with only the given environment (nothing from the test process leaks in). */
export async function runCaptured(
  argv: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; isTTY?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    isTTY: options.isTTY ?? false,
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { code, stdout, stderr };
}

const ROOT = join(__dirname, '..', '..');

/** How `spawnCli` runs the process. */
export interface SpawnCliOptions {
  /** Called with each stdout chunk and the child, e.g. to send it a signal. */
  onStdout?: (chunk: string, child: ChildProcessWithoutNullStreams) => void;
  /** The same for stderr (where `--json` runs print their progress). */
  onStderr?: (chunk: string, child: ChildProcessWithoutNullStreams) => void;
  /** Close the reading end of the child's stdout / stderr at once, as `| head -1` does once it has its line. */
  closeStdout?: boolean;
  closeStderr?: boolean;
}

/** Runs `lib/cli/main.ts` as the bin would run, in a process of its own, with only `PATH` and `env`. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: SpawnCliOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // PATH only from the parent: no TENANCY_* setting leaks into the child.
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'lib/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout) child.stdout.destroy();
    if (options.closeStderr) child.stderr.destroy();
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      options.onStdout?.(String(chunk), child);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      options.onStderr?.(String(chunk), child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh empty database, a temp folder holding the migrations, and the env the CLI needs for them. */
export interface CliHarness {
  db: TestDatabase;
  /** Temp folder: the CLI's cwd; `migrations/` inside it. */
  dir: string;
  migrationsDir: string;
  env: Record<string, string>;
  /** `runCaptured` with the harness env (plus `env`), remembering all output for the secrecy check. */
  run(argv: readonly string[], options?: { env?: Record<string, string>; isTTY?: boolean }): Promise<CliRun>;
  /** Everything every `run` printed, stdout and stderr. */
  printed(): string;
  close(): Promise<void>;
}

export async function createCliHarness(): Promise<CliHarness> {
  const db = await createTestDatabase({ migrations: [] });
  const dir = mkdtempSync(join(tmpdir(), 'tenancy-cli-'));
  const migrationsDir = join(dir, 'migrations');
  writeMigrationsTo(migrationsDir, MIGRATIONS);
  const env = {
    TENANCY_REGISTRY_URL: db.ownerUrl,
    TENANCY_APP_ROLE: TEST_ROLES.app.name,
    TENANCY_MIGRATIONS_DIR: migrationsDir,
    TENANCY_STRATEGY: 'schema',
  };
  let output = '';
  return {
    db,
    dir,
    migrationsDir,
    env,
    run: async (argv, options = {}) => {
      const result = await runCaptured(argv, { env: { ...env, ...options.env }, cwd: dir, isTTY: options.isTTY });
      output += result.stdout + result.stderr;
      return result;
    },
    printed: () => output,
    close: async () => {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

/** Writes `{ name: sql }` migrations (and Prisma's lock file) under `dir`, created if needed. */
export function writeMigrationsTo(dir: string, migrations: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  writeMigrations(dir, migrations);
}
