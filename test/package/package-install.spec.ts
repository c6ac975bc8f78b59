import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support';
import { typeCheckConsumer, type ConsumerResolution } from './consumer-type-check';
import { exportTargets, packWorkingTree, REPO_ROOT, subpathSpecifier, type PackedPackage } from './packed-package';
import {
  DEEP_IMPORTS,
  FORBIDDEN,
  KNOWN_EXPORTS,
  OPTIONAL_PEERS,
  REQUIRED_FILES,
  TOP_LEVEL,
} from './package-expectations';
import { runCommand, tail, type CommandResult } from './run-command';
import { installScratchApp, runJsonScript, type ExportsReport } from './scratch-app';

// The published package's shape: `npm pack` of the working tree (as `npm
// publish` would build and pack it), its file list and source maps, then the
// tarball installed into two scratch apps, CommonJS on NestJS 11 and ES
// modules on NestJS 12, each loading every subpath of the "exports" map,
// type-checking against it and running its bin. Needs the npm registry or a
// warm npm cache (CI's holds the lockfile's versions): an install that fails
// fails the test with npm's output, it is never skipped.

const TIMEOUT = 8 * 60_000;
const APPS_DIR = join(__dirname, 'apps');

type AppName = 'cjs' | 'esm';

interface AppSetup {
  app: AppName;
  title: string;
  type: 'commonjs' | 'module';
  script: string;
  nest: RegExp;
  types: ConsumerResolution;
  /** The version to install a peer at; undefined: its declared range. */
  peerVersion: (name: string) => string | undefined;
}

// The NestJS this repository runs on: 12 in development and CI, 11 under `npm run test:nest11`.
const DEV_NEST_MAJOR = installedVersion('@nestjs/core')?.split('.')[0] ?? '12';

const APPS: AppSetup[] = [
  {
    app: 'cjs',
    title: 'a CommonJS app on NestJS 11',
    type: 'commonjs',
    script: 'check-exports.cjs',
    nest: /^11\./,
    types: 'node10',
    // NestJS 11 from the registry; the other peers at their declared ranges.
    peerVersion: (name) => (name.startsWith('@nestjs/') ? '^11' : undefined),
  },
  {
    app: 'esm',
    title: `an ES module app on NestJS ${DEV_NEST_MAJOR}`,
    type: 'module',
    script: 'check-exports.mjs',
    nest: new RegExp(`^${DEV_NEST_MAJOR}\\.`),
    types: 'nodenext',
    // The versions this repository runs on (NestJS 12, which CI's npm cache holds; 11 under test:nest11).
    peerVersion: (name) => installedVersion(name),
  },
];

/** An installed app and what its checks found. */
interface CheckedApp {
  dir: string;
  exports: ExportsReport;
  typeCheck: CommandResult;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

describe('the published package (npm pack, installed into scratch apps)', () => {
  let workDir: string;
  let packed: PackedPackage;
  let files: Set<string>;
  const apps = {} as Record<AppName, Promise<Settled<CheckedApp>>>;

  const packageName = () => packed.manifest.name;

  /** The app, once installed and checked; rethrows a failure (npm's output) in each test that needs it. */
  async function checked(app: AppName): Promise<CheckedApp> {
    const outcome = await apps[app];
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Installs the tarball and the peers, then runs the import script and the type check side by side. */
  async function installAndCheck(setup: AppSetup): Promise<CheckedApp> {
    const dir = join(workDir, setup.app);
    const dependencies = Object.entries(packed.manifest.peerDependencies ?? {})
      .filter(([name]) => !OPTIONAL_PEERS.lazy.includes(name))
      .map(([name, range]) => `${name}@${setup.peerVersion(name) ?? range}`);
    const scripts = [join(APPS_DIR, setup.script)];
    await installScratchApp({ dir, type: setup.type, tarball: packed.tarball, dependencies, scripts });

    const deep = DEEP_IMPORTS.map((path) => `${packageName()}/${path}`);
    const known = Object.fromEntries(
      Object.entries(KNOWN_EXPORTS)
        // package.json is data: importing it needs JSON module options, and it has no types to check.
        .filter(([subpath]) => subpath in packed.manifest.exports && !subpath.endsWith('.json'))
        .map(([subpath, names]) => [subpath, names[0]]),
    );
    const [exports, typeCheck] = await Promise.all([
      runJsonScript<ExportsReport>(dir, setup.script, [packageName(), ...deep]),
      typeCheckConsumer(dir, packageName(), known, setup.types),
    ]);
    return { dir, exports, typeCheck };
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'tenancy-package-'));
    packed = await packWorkingTree(workDir);
    files = new Set(packed.files);
    // Both apps at once, while the tarball tests run: an install mostly waits on the cache and the network.
    for (const setup of APPS) {
      apps[setup.app] = installAndCheck(setup).then(
        (value) => ({ ok: true, value }) as const,
        (error: Error) => ({ ok: false, error }) as const,
      );
    }
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled(Object.values(apps));
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, TIMEOUT);

  describe('the tarball', () => {
    it('holds dist/, lib/, docs/, README, LICENSE, CHANGELOG and package.json, and nothing else at the top', () => {
      expect(REQUIRED_FILES.filter((file) => !files.has(file))).toEqual([]);
      const topLevel = [...new Set(packed.files.map((file) => file.split('/')[0]))].sort();
      expect(topLevel).toEqual(TOP_LEVEL);
    });

    it('holds no tests, benchmarks, examples, scripts, CI files, generated clients or build info', () => {
      expect(packed.files.filter((file) => FORBIDDEN.some((pattern) => pattern.test(file)))).toEqual([]);
    });

    it('holds every file package.json points at: exports (all conditions), main, types, bin, typesVersions', () => {
      const { manifest } = packed;
      const targets = [
        ...Object.values(manifest.exports).flatMap(exportTargets),
        manifest.main,
        manifest.types,
        ...Object.values(manifest.bin ?? {}),
        ...Object.values(manifest.typesVersions ?? {}).flatMap((map) => Object.values(map).flat()),
      ].filter((target): target is string => typeof target === 'string');
      expect(targets.length).toBeGreaterThan(Object.keys(manifest.exports).length);
      const missing = targets.map((target) => posix.normalize(target)).filter((target) => !files.has(target));
      expect(missing).toEqual([]);
    });

    it('ships every source a map names: each sourceMappingURL and each `sources` entry resolves inside the tarball', () => {
      const maps = packed.files.filter((file) => file.endsWith('.map'));
      expect(maps.length).toBeGreaterThan(100);
      const unresolved: string[] = [];
      for (const map of maps) {
        const { sources, sourceRoot } = JSON.parse(readFileSync(join(packed.unpackedDir, map), 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
        };
        for (const source of sources) {
          const target = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', source));
          if (!files.has(target)) unresolved.push(`${map} -> ${source}`);
        }
      }
      for (const file of packed.files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(packed.unpackedDir, file), 'utf8'))?.[1];
        if (url && !files.has(posix.join(posix.dirname(file), url))) unresolved.push(`${file} -> ${url}`);
      }
      expect(unresolved).toEqual([]);
    });

    it('has a known export listed for every subpath, and every optional peer sorted (package-expectations.ts)', () => {
      const unlisted = Object.keys(packed.manifest.exports).filter((subpath) => !KNOWN_EXPORTS[subpath]);
      expect(unlisted).toEqual([]);
      const sorted = [...OPTIONAL_PEERS.importedBySubpath, ...OPTIONAL_PEERS.lazy];
      const unsorted = Object.entries(packed.manifest.peerDependenciesMeta ?? {})
        .filter(([name, meta]) => meta.optional && !sorted.includes(name))
        .map(([name]) => name);
      expect(unsorted).toEqual([]);
    });
  });

  describe.each(APPS)('installed into $title', ({ app, nest, types }) => {
    it(
      'installs, and runs on the NestJS major it was installed with',
      async () => {
        const { exports } = await checked(app);
        expect(exports.nest).toMatch(nest);
      },
      TIMEOUT,
    );

    it(
      'loads every subpath of the exports map, with the exports lib/ defines',
      async () => {
        const { exports } = await checked(app);
        expect(Object.keys(exports.subpaths).sort()).toEqual(Object.keys(packed.manifest.exports).sort());
        for (const [subpath, loaded] of Object.entries(exports.subpaths)) {
          const specifier = subpathSpecifier(packageName(), subpath);
          expect({ specifier, error: loaded.error }).toEqual({ specifier, error: undefined });
          const keys = [...loaded.keys!].sort();
          expect(keys).toEqual(expect.arrayContaining(KNOWN_EXPORTS[subpath] ?? [`(none listed for ${subpath})`]));
          expect({ specifier, keys }).toEqual({ specifier, keys: sourceExports(subpath) });
          // ESM: Node's detection of the CommonJS build's names found every name require() sees.
          if (loaded.requiredKeys) expect({ specifier, keys }).toEqual({ specifier, keys: loaded.requiredKeys.sort() });
        }
        if (app === 'esm')
          expect(exports.staticImports).toEqual({ TenancyModule: 'function', TenantContext: 'function' });
      },
      TIMEOUT,
    );

    it(
      'loads the root with the lazily loaded optional peers absent',
      async () => {
        const { dir, exports } = await checked(app);
        const present = OPTIONAL_PEERS.lazy.filter((peer) => existsSync(join(dir, 'node_modules', peer)));
        expect(present).toEqual([]);
        expect(exports.subpaths['.'].error).toBeUndefined();
      },
      TIMEOUT,
    );

    it(
      `type-checks an app naming a known export of every subpath (moduleResolution ${types})`,
      async () => {
        const { typeCheck } = await checked(app);
        expect({ code: typeCheck.code, output: tail(typeCheck.stdout + typeCheck.stderr) }).toEqual({
          code: 0,
          output: '',
        });
      },
      TIMEOUT,
    );

    it(
      'refuses deep imports past the exports map (ERR_PACKAGE_PATH_NOT_EXPORTED)',
      async () => {
        const { exports } = await checked(app);
        for (const path of DEEP_IMPORTS) {
          const specifier = `${packageName()}/${path}`;
          const code = exports.deep[specifier]?.error?.code;
          expect({ specifier, code }).toEqual({ specifier, code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
        }
      },
      TIMEOUT,
    );

    describe('its bin against PostgreSQL', () => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await createTestDatabase({ migrations: [] });
      });
      afterAll(() => db?.drop());

      it(
        'prints the version, creates the registry and lists no tenants',
        async () => {
          const { dir } = await checked(app);
          const bin = join(dir, 'node_modules', '.bin', packageName());
          const env = { TENANCY_REGISTRY_URL: db.ownerUrl };
          const version = await runCommand(bin, ['--version'], { cwd: dir, env });
          expect({ code: version.code, stdout: version.stdout.trim() }).toEqual({
            code: 0,
            stdout: packed.manifest.version,
          });
          const init = await runCommand(bin, ['init'], { cwd: dir, env });
          expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' });
          const status = await runCommand(bin, ['status', '--json'], { cwd: dir, env });
          expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: '' });
          expect(JSON.parse(status.stdout)).toEqual([]);
        },
        TIMEOUT,
      );
    });
  });
});

/** The version of `name` installed in this repository's node_modules, if any. */
function installedVersion(name: string): string | undefined {
  try {
    return (
      JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return undefined;
  }
}

/** The sorted runtime export names of the lib/ source behind a subpath (`./dist/x/index.js` → `lib/x/index.ts`). */
function sourceExports(subpath: string): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
  };
  const target = exportTargets(manifest.exports[subpath]).find((file) => /\.(js|json)$/.test(file))!;
  const source = target.endsWith('.json') ? target : target.replace(/^\.\/dist\//, './lib/').replace(/\.js$/, '.ts');
  return Object.keys(require(join(REPO_ROOT, source)) as object).sort();
}
