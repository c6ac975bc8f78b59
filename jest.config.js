// @ts-check
/**
 * NestJS 12 ships as ES modules, and so do a few packages it pulls in. Jest
 * runs tests as CommonJS inside a VM context, which cannot load ES modules, so
 * those packages are compiled by SWC like our own sources. Everything else in
 * node_modules stays untouched (compiling all of it would slow every run).
 */
const esmPackages = [
  '@nestjs',
  '@borewit',
  // mercurius → @fastify/static → content-disposition 3 (ESM only); each
  // node_modules segment of the path must be let through.
  '@fastify/static/node_modules/content-disposition',
  'content-disposition',
  '@tokenizer',
  'file-type',
  'iterare',
  'load-esm',
  'strtok3',
  'token-types',
  'uid',
  'uint8array-extras',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        // Inline rather than `swcrc: true`, so the test build cannot drift
        // with edits to .swcrc made for the example or the benchmark.
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
