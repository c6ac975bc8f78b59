import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { runCommand, tail } from './run-command';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '../..');

/**
 * Top-level entries not copied to the staging tree: the shared node_modules
 * (linked instead), the build output (rebuilt there), and what is large, busy
 * or never a candidate for the tarball.
 */
const NOT_STAGED = new Set(['node_modules', '.git', 'dist', 'coverage']);

/** The tarball `npm pack` wrote, and its contents unpacked. */
export interface PackedPackage {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the package, relative to its root (`dist/index.js`), as `npm pack --json` lists them. */
  files: string[];
  /** Where the tarball was unpacked: its `package/` folder. */
  unpackedDir: string;
  /** The packed package.json. */
  manifest: PackageManifest;
}

/** The fields of package.json these tests read. */
export interface PackageManifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  typesVersions?: Record<string, Record<string, string[]>>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * Packs the working tree as `npm publish` would, without touching it: the tree
 * is copied to `workDir/stage` (node_modules linked), where `npm pack` runs the
 * package's own prepack (`npm run build`, so dist/ is fresh and its maps point
 * at the staged lib/). Building in place would delete the dist/ other processes
 * may be reading. Leftovers in the tree (generated clients, stray files) are
 * copied too, so the "files" list is tested against what a maintainer has.
 */
export async function packWorkingTree(workDir: string): Promise<PackedPackage> {
  const stage = join(workDir, 'stage');
  copyTree(stage);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');

  const destination = join(workDir, 'tarball');
  mkdirSync(destination);
  const packed = await runCommand('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: stage,
    timeoutMs: 5 * 60_000,
  });
  if (packed.code !== 0) {
    throw new Error(`npm pack failed (exit ${packed.code ?? packed.signal}):\n${tail(packed.stderr + packed.stdout)}`);
  }
  const [report] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const tarball = join(destination, basename(report.filename));

  const unpacked = join(workDir, 'unpacked');
  mkdirSync(unpacked);
  const untar = await runCommand('tar', ['-xzf', tarball, '-C', unpacked], { cwd: workDir });
  if (untar.code !== 0) throw new Error(`tar -xzf ${tarball} failed:\n${tail(untar.stderr)}`);
  const unpackedDir = join(unpacked, 'package');
  const manifest = JSON.parse(readFileSync(join(unpackedDir, 'package.json'), 'utf8')) as PackageManifest;
  return { tarball, files: report.files.map((file) => file.path).sort(), unpackedDir, manifest };
}

/**
 * Copies the working tree to `stage`. Another process may delete a file while
 * it is copied (an editor saving, a test's scratch file): start over then.
 */
function copyTree(stage: string): void {
  const filter = (source: string): boolean => !NOT_STAGED.has(relative(REPO_ROOT, source).split(sep).join('/'));
  for (let attempt = 1; ; attempt++) {
    try {
      cpSync(REPO_ROOT, stage, { recursive: true, filter });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
      rmSync(stage, { recursive: true, force: true });
    }
  }
}

/** `'.'` → `nestjs-prisma-tenancy`, `'./health'` → `nestjs-prisma-tenancy/health`. */
export function subpathSpecifier(name: string, subpath: string): string {
  return subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
}

/** Every file an "exports" entry names, whatever its conditions. */
export function exportTargets(entry: string | Record<string, string>): string[] {
  return typeof entry === 'string' ? [entry] : Object.values(entry);
}
