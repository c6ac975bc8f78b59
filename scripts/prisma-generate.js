#!/usr/bin/env node
// Generates the Prisma clients used by the tests, the example and the
// benchmark. Skips a schema whose client is newer than it, so `npm test`
// does not pay for `prisma generate` on every run.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Schemas to generate; `required: false` ones are skipped when absent. */
const schemas = [
  { schema: 'test/fixtures/prisma/schema.prisma', required: true },
  { schema: 'examples/prisma/schema.prisma', required: false },
  { schema: 'test/testing/prisma/schema.prisma', required: true },
];

// `prisma generate` never runs the schema engine, but the CLI insists on
// resolving one and cannot download it here. Any existing file satisfies it.
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) process.env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

const force = process.argv.includes('--force');
const cli = require.resolve('prisma/build/index.js', { paths: [root] });

/** The generator's `output`, resolved against the schema's folder. */
function outputDir(schemaPath) {
  const match = /generator\s+\w+\s*\{[^}]*?\boutput\s*=\s*"([^"]+)"/s.exec(fs.readFileSync(schemaPath, 'utf8'));
  if (!match) throw new Error(`${path.relative(root, schemaPath)}: its generator has no "output"; add one.`);
  return path.resolve(path.dirname(schemaPath), match[1]);
}

/** Latest modification time of the files directly in `dir`, or 0 when it has none. */
function newestMtime(dir) {
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((latest, entry) => Math.max(latest, fs.statSync(path.join(dir, entry.name)).mtimeMs), 0);
}

function isUpToDate(schemaPath) {
  const client = path.join(outputDir(schemaPath), 'client.ts');
  if (!fs.existsSync(client)) return false;
  const inputs = Math.max(fs.statSync(schemaPath).mtimeMs, fs.statSync(cli).mtimeMs);
  return newestMtime(path.dirname(client)) > inputs;
}

let failed = false;
for (const { schema, required } of schemas) {
  const schemaPath = path.join(root, schema);
  if (!fs.existsSync(schemaPath)) {
    if (required) {
      console.error(`prisma-generate: ${schema} is missing.`);
      failed = true;
    }
    continue;
  }
  if (!force && isUpToDate(schemaPath)) {
    console.log(`prisma-generate: ${schema} is up to date.`);
    continue;
  }
  const result = spawnSync(process.execPath, [cli, 'generate', '--schema', schemaPath], {
    cwd: root,
    env: process.env,
    encoding: 'utf8',
  });
  if (result.status === 0) {
    console.log(`prisma-generate: generated ${path.relative(root, outputDir(schemaPath))} from ${schema}.`);
    continue;
  }
  failed = true;
  console.error(
    `prisma-generate: \`prisma generate --schema ${schema}\` failed (${result.error ?? `exit code ${result.status}`}).`,
  );
  process.stderr.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
}
process.exitCode = failed ? 1 : 0;
