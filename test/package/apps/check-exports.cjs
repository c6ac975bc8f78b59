// Run by test/package/package-install.spec.ts inside a CommonJS scratch app that
// installed the packed tarball: `node check-exports.cjs <package> [deep imports...]`.
// Requires every subpath of the installed package's "exports" map and prints
// what each gave (its export names, or the error) as JSON; the spec judges.
'use strict';

const [name, ...deepImports] = process.argv.slice(2);

function failure(error) {
  return { error: { code: error.code ?? null, message: String(error.message).split('\n')[0] } };
}

const manifest = require(`${name}/package.json`);
const subpaths = {};
for (const subpath of Object.keys(manifest.exports)) {
  const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
  try {
    subpaths[subpath] = { keys: Object.keys(require(specifier)) };
  } catch (error) {
    subpaths[subpath] = failure(error);
  }
}

const deep = {};
for (const specifier of deepImports) {
  try {
    require(specifier);
    deep[specifier] = { loaded: true };
  } catch (error) {
    deep[specifier] = failure(error);
  }
}

const nest = require('@nestjs/core/package.json').version;
process.stdout.write(JSON.stringify({ node: process.version, nest, subpaths, deep }));
