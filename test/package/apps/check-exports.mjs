// Run by test/package/package-install.spec.ts inside an ES module scratch app that
// installed the packed tarball: `node check-exports.mjs <package> [deep imports...]`.
// Imports every subpath of the installed package's "exports" map and prints the
// named exports Node found in each (next to what require() gives, to compare),
// or the error, as JSON; the spec judges.
import { createRequire } from 'node:module';
// The way an app writes it: static named imports of the CommonJS build. A name
// Node's CommonJS export detection misses fails here, before anything runs.
import { TenancyModule, TenantContext } from 'nestjs-prisma-tenancy';

const require = createRequire(import.meta.url);
const [name, ...deepImports] = process.argv.slice(2);

function failure(error) {
  return { error: { code: error.code ?? null, message: String(error.message).split('\n')[0] } };
}

const { default: manifest } = await import(`${name}/package.json`, { with: { type: 'json' } });
const subpaths = {};
for (const subpath of Object.keys(manifest.exports)) {
  const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
  try {
    if (subpath.endsWith('.json')) {
      const { default: json } = await import(specifier, { with: { type: 'json' } });
      subpaths[subpath] = { keys: Object.keys(json), requiredKeys: Object.keys(require(specifier)) };
    } else {
      const namespace = await import(specifier);
      const keys = Object.keys(namespace).filter((key) => key !== 'default' && key !== '__esModule');
      subpaths[subpath] = { keys, requiredKeys: Object.keys(require(specifier)) };
    }
  } catch (error) {
    subpaths[subpath] = failure(error);
  }
}

const deep = {};
for (const specifier of deepImports) {
  try {
    await import(specifier);
    deep[specifier] = { loaded: true };
  } catch (error) {
    deep[specifier] = failure(error);
  }
}

const staticImports = { TenancyModule: typeof TenancyModule, TenantContext: typeof TenantContext };
const nest = require('@nestjs/core/package.json').version;
process.stdout.write(JSON.stringify({ node: process.version, nest, staticImports, subpaths, deep }));
