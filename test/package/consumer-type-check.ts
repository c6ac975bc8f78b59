import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, subpathSpecifier } from './packed-package';
import { runCommand, type CommandResult } from './run-command';

/** How the consumer's TypeScript resolves the package. */
export type ConsumerResolution = 'node10' | 'nodenext';

/**
 * Writes `types-check.ts` (or `.mts`) into a scratch app, importing every
 * subpath and naming one known export of each, and type-checks it with this
 * repository's TypeScript. `node10` reads "typesVersions" (older CommonJS
 * setups); `nodenext` reads the "types" conditions of "exports".
 */
export async function typeCheckConsumer(
  dir: string,
  packageName: string,
  knownExports: Record<string, string>,
  resolution: ConsumerResolution,
): Promise<CommandResult> {
  const subpaths = Object.entries(knownExports);
  const file = resolution === 'nodenext' ? 'types-check.mts' : 'types-check.ts';
  const source = [
    ...subpaths.map(([subpath], i) => `import * as subpath${i} from '${subpathSpecifier(packageName, subpath)}';`),
    `export const used = [${subpaths.map(([, name], i) => `subpath${i}.${name}`).join(', ')}];`,
    '',
  ].join('\n');
  writeFileSync(join(dir, file), source);
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    target: 'es2022',
    ...(resolution === 'nodenext'
      ? { module: 'nodenext', moduleResolution: 'nodenext' }
      : { module: 'commonjs', moduleResolution: 'node10' }),
    // Node's types are not a dependency of the package; an app has its own.
    typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
    types: ['node'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }, null, 2));
  const tsc = require.resolve('typescript/bin/tsc', { paths: [REPO_ROOT] });
  return runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, timeoutMs: 3 * 60_000 });
}
