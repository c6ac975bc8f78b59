import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, tail, type CommandResult } from './run-command';

/** Options of `installScratchApp`. */
export interface ScratchAppOptions {
  /** Folder to create the app in (must not exist). */
  dir: string;
  /** `module` for an ES module app, `commonjs` for a CommonJS one. */
  type: 'module' | 'commonjs';
  /** The tarball to install. */
  tarball: string;
  /** Other packages, as `name@range`. */
  dependencies: string[];
  /** Scripts copied into the app, by path. */
  scripts: string[];
}

/**
 * Flags of every install: the npm cache first (CI's is warm for the lockfile's
 * versions), no lifecycle scripts (Prisma's postinstall would try to generate),
 * and a network failure reported in minutes rather than after npm's defaults.
 */
const INSTALL_FLAGS = [
  '--prefer-offline',
  '--no-audit',
  '--no-fund',
  '--ignore-scripts',
  '--no-package-lock',
  '--fetch-retries=2',
  '--fetch-retry-mintimeout=2000',
  '--fetch-retry-maxtimeout=10000',
  '--fetch-timeout=60000',
];

/** Creates a minimal app in `dir` and installs the tarball and `dependencies` into it; throws with npm's output on failure. */
export async function installScratchApp(options: ScratchAppOptions): Promise<void> {
  mkdirSync(options.dir);
  const manifest = { name: `scratch-${options.type}`, version: '0.0.0', private: true, type: options.type };
  writeFileSync(join(options.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const script of options.scripts) copyFileSync(script, join(options.dir, script.split(/[\\/]/).pop()!));

  const started = Date.now();
  const result = await runCommand('npm', ['install', ...INSTALL_FLAGS, options.tarball, ...options.dependencies], {
    cwd: options.dir,
    timeoutMs: 6 * 60_000,
  });
  if (result.code !== 0) {
    const seconds = Math.round((Date.now() - started) / 1000);
    throw new Error(
      `npm install in the ${options.type} scratch app failed (exit ${result.code ?? result.signal}, ${seconds}s). ` +
        'It needs the npm registry (or a warm npm cache) for: ' +
        `${options.dependencies.join(' ')}. npm said:\n${tail(result.stderr + result.stdout)}`,
    );
  }
}

/** Runs `node <script> [args]` in the app and parses the JSON it prints; throws with its output otherwise. */
export async function runJsonScript<T>(dir: string, script: string, args: string[] = []): Promise<T> {
  const result: CommandResult = await runCommand(process.execPath, [script, ...args], {
    cwd: dir,
    timeoutMs: 2 * 60_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `node ${script} exited ${result.code ?? result.signal} in ${dir}:\n${tail(result.stderr + result.stdout)}`,
    );
  }
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`node ${script} printed no JSON in ${dir}:\n${tail(result.stdout + result.stderr)}`);
  }
}

/** How one import went, as the apps/check-exports scripts print it. */
export interface ImportOutcome {
  /** Export names (ESM: the names Node found in the namespace, less `default` and `__esModule`). */
  keys?: string[];
  /** ESM only: what `require()` of the same specifier gives, to compare with `keys`. */
  requiredKeys?: string[];
  loaded?: true;
  error?: { code: string | null; message: string };
}

/** What apps/check-exports.cjs and .mjs print. */
export interface ExportsReport {
  node: string;
  /** The installed @nestjs/core version. */
  nest: string;
  /** ESM only: `typeof` of the names the script imports statically. */
  staticImports?: Record<string, string>;
  /** By "exports" key (`.`, `./health`, ...). */
  subpaths: Record<string, ImportOutcome>;
  /** By specifier. */
  deep: Record<string, ImportOutcome>;
}
