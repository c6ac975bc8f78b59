// What the published package must look like, in one place: the spec checks the
// tarball and the installed apps against these lists. A subpath or an optional
// peer added to package.json without an entry here fails the test.

/** At least one export of each subpath, checked at run time and in the consumer's type check. */
export const KNOWN_EXPORTS: Record<string, string[]> = {
  '.': ['TenancyModule', 'TenantContext', 'TenantPrisma', 'TenantGuard', 'TenancyError', 'currentTenantId'],
  './provisioning': ['TenantProvisioner'],
  './migrations': ['TenantMigrationRunner', 'readMigrationsFolder'],
  './crypto': ['TenantSecretCipher'],
  './registry': ['PrismaTenantStore', 'REGISTRY_MIGRATIONS'],
  './testing': ['expectNoTenantLeaks', 'TenantLeakError'],
  './health': ['TenancyHealthIndicator'],
  './transactional': ['TenancyTransactionalAdapter'],
  './websockets/socket.io': ['TenancyIoAdapter'],
  './websockets/ws': ['TenancyWsAdapter'],
  './queues': ['TenancyQueuesModule', 'TenantWorkerHost'],
  './package.json': ['name', 'version', 'exports'],
};

/**
 * Every optional peer, sorted by when it is loaded: by a subpath when imported
 * (installed in the apps, so every subpath can load), or lazily, on first use
 * (left out of the apps, so a root that loaded one eagerly fails).
 */
export const OPTIONAL_PEERS = {
  importedBySubpath: [
    '@nestjs/testing',
    '@nestjs/terminus',
    '@nestjs-cls/transactional',
    '@nestjs/websockets',
    '@nestjs/platform-socket.io',
    '@nestjs/platform-ws',
    '@nestjs/bullmq',
    'bullmq',
  ],
  lazy: ['@nestjs/microservices', '@opentelemetry/api', 'graphql'],
};

/** Paths past the "exports" map: a consumer must not reach them. */
export const DEEP_IMPORTS = ['dist/index.js', 'lib/index.ts', 'dist/tenancy.module.js'];

/** Top-level entries of the tarball; anything else (test/, bench/, examples/, scripts/, .ci/, configs) is a leak. */
export const TOP_LEVEL = ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'docs', 'lib', 'package.json'];

/** Files the tarball must hold. */
export const REQUIRED_FILES = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'docs/README.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/index.js.map',
  'lib/index.ts',
];

/** Never in the tarball, wherever they sit: development folders, generated Prisma clients, build info, tests, archives. */
export const FORBIDDEN = [
  /^(test|bench|examples|scripts|\.ci|\.github|coverage)\//,
  /(^|\/)generated\//,
  /\.tsbuildinfo$/,
  /\.spec\.ts$/,
  /(^|\/)node_modules\//,
  /^docs\/api\//,
  /\.tgz$/,
];
