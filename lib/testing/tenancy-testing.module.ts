import type {
  INestApplication,
  INestApplicationContext,
  LoggerService,
  LogLevel,
  ModuleMetadata,
} from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { TenantContext } from '../context/tenant-context.service';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import type { TenancyModuleOptions } from '../options/tenancy-options.interface';
import { resolveTenancyOptions } from '../options/tenancy-options.validator';
import { TenantPrisma } from '../prisma/tenant-prisma.service';
import type { Tenant } from '../store/tenant.interface';
import { TENANCY_MODULE_OPTIONS } from '../tenancy-module.definition';
import { TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';

/** What a test changes in the app's `TenancyModule` options. */
export interface TenancyTestingOptions {
  /**
   * The tenants the app knows during the test, instead of its `tenants` or
   * `store` (a registry listener is dropped too): ids, taken as active
   * tenants, or full records (`{ id, status, schemaName }`). Default: the
   * app's own.
   */
  tenants?: ReadonlyArray<string | Tenant>;
  /** Instead of the module's `databaseUrl`: the test database, as the app's role. Default: the app's own. */
  databaseUrl?: string;
}

/** Options of `createTenancyTestingApp`. */
export interface TenancyTestingAppOptions extends TenancyTestingOptions {
  /** The platform, `new FastifyAdapter()` for Fastify. Default: Express. */
  httpAdapter?: AbstractHttpAdapter;
  /** More overrides on the testing module builder (`overrideProvider(...)`). Default: none. */
  overrides?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Runs before `init()`: global prefix, pipes, versioning, as in your `main.ts`. Default: none. */
  setup?: (app: INestApplication) => unknown;
  /** Listen on an ephemeral port of 127.0.0.1. Default: `true`. */
  listen?: boolean;
  /** Nest's logger. Default: `['error', 'warn']`. */
  logger?: false | LoggerService | LogLevel[];
}

/**
 * `Test.createTestingModule(metadata)` with the app's `TenancyModule`
 * pointed at a test database and given its tenants inline, whether the app
 * calls `forRoot` or `forRootAsync`: the options are rewritten before the
 * module validates them. Add your own overrides, then `compile()`.
 *
 * ```ts
 * const moduleRef = await createTenancyTestingModule({ imports: [AppModule] }, {
 *   databaseUrl: process.env.TEST_DATABASE_URL,
 *   tenants: ['acme', 'globex'],
 * }).compile();
 * ```
 */
export function createTenancyTestingModule(
  metadata: ModuleMetadata,
  options: TenancyTestingOptions = {},
): TestingModuleBuilder {
  const tenants = options.tenants?.map((t, i): Tenant => {
    if (typeof t === 'string') return { id: t, status: 'active' };
    if (typeof t?.id !== 'string') throw new TenancyConfigError(`tenants[${i}]`, 'expected an id or { id, status }');
    return t;
  });
  const builder = Test.createTestingModule(metadata);
  if (!tenants && options.databaseUrl === undefined) return builder;
  return builder.overrideProvider(TENANCY_RESOLVED_OPTIONS).useFactory({
    inject: [TENANCY_MODULE_OPTIONS],
    factory: (configured: TenancyModuleOptions) =>
      resolveTenancyOptions({
        ...configured,
        ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
        ...(tenants && { tenants, store: undefined, registryListener: undefined }),
      }),
  });
}

/**
 * Boots your modules as an HTTP app for a test: `createTenancyTestingModule`,
 * then `createNestApplication`, `setup`, `init()` and, by default,
 * `listen(0, '127.0.0.1')`. Close it with `app.close()` in `afterAll`.
 */
export async function createTenancyTestingApp(
  metadata: ModuleMetadata,
  options: TenancyTestingAppOptions = {},
): Promise<INestApplication> {
  const builder = createTenancyTestingModule(metadata, options);
  const moduleRef = await (options.overrides ? options.overrides(builder) : builder).compile();
  const app = options.httpAdapter
    ? moduleRef.createNestApplication(options.httpAdapter)
    : moduleRef.createNestApplication();
  app.useLogger(options.logger ?? ['error', 'warn']);
  try {
    await options.setup?.(app);
    await app.init();
    if (options.listen !== false) await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/**
 * Runs `fn` as tenant `tenantId` in a test (seeding, checking rows): the
 * app's `TenantContext.run`, with the tenant's Prisma client handed in.
 *
 * ```ts
 * const count = await runAsTenant(app, 'acme', (db: PrismaClient) => db.project.count());
 * ```
 */
export function runAsTenant<TClient = any, T = unknown>(
  app: INestApplicationContext,
  tenantId: string,
  fn: (client: TClient) => T | Promise<T>,
): Promise<T> {
  const prisma = app.get<TenantPrisma<TClient>>(TenantPrisma, { strict: false });
  return app.get(TenantContext, { strict: false }).run(tenantId, () => fn(prisma.client));
}
