import {
  type CanActivate,
  type DynamicModule,
  type INestApplication,
  Module,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import type { Response } from 'supertest';
import { TenantContext } from '../../lib/context/tenant-context.service';
import { TenantGlobalGuard } from '../../lib/guards/tenant-global.guard';
import { TenantGuard } from '../../lib/guards/tenant.guard';
import type { TenancyModuleOptions } from '../../lib/options/tenancy-options.interface';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';
import { TenantResolution } from '../../lib/resolvers/tenant-resolution.service';
import { TenantCache } from '../../lib/store/tenant-cache.service';
import type { Tenant } from '../../lib/store/tenant.interface';
import type { TenantStore } from '../../lib/store/tenant-store.interface';
import { TENANCY_RESOLVED_OPTIONS } from '../../lib/tenancy.internal-constants';

export type HttpPlatform = 'express' | 'fastify';
export const HTTP_PLATFORMS: HttpPlatform[] = ['express', 'fastify'];

export interface HttpAppOptions extends Pick<
  TenancyModuleOptions,
  'resolvers' | 'tenantIdPattern' | 'cache' | 'globalGuard'
> {
  platform: HttpPlatform;
  /** Give this or `store`. Default: `TEST_TENANTS`. */
  tenants?: Tenant[];
  store?: TenantStore;
  controllers?: Type[];
  providers?: Provider[];
  /** Register `ClsModule.forRoot({ global: true, middleware: { mount: true } })`, as many apps do. Default: `false`. */
  clsMiddleware?: boolean;
  /** Register this guard as `APP_GUARD` instead of the module's own global guard (a `TenantGuard` subclass). */
  appGuard?: Type<CanActivate>;
  /** Runs after the app is created and before `init()`: to add platform middleware. */
  configure?: (app: INestApplication) => void;
}

/** One tenant per status, plus a second active one for isolation tests. */
export const TEST_TENANTS: Tenant[] = [
  { id: 'acme', status: 'active', name: 'Acme' },
  { id: 'globex', status: 'active', name: 'Globex' },
  { id: 'initech', status: 'suspended' },
  { id: 'hooli', status: 'provisioning' },
  { id: 'umbrella', status: 'failed' },
  { id: 'soylent', status: 'deleted' },
];

/**
 * The tenancy providers the HTTP layer needs (options, cache, context,
 * resolution, guard), without `TenancyModule`'s strategy: that connects to
 * PostgreSQL at boot, and resolution and guarding never touch the database.
 */
function tenancyHttpModule(options: HttpAppOptions): DynamicModule {
  const resolved = resolveTenancyOptions({
    strategy: 'rls',
    databaseUrl: 'postgresql://unused@127.0.0.1:5432/unused',
    createClient: () => ({}),
    ...(options.store ? { store: options.store } : { tenants: options.tenants ?? TEST_TENANTS }),
    resolvers: options.resolvers,
    tenantIdPattern: options.tenantIdPattern,
    cache: options.cache,
    globalGuard: options.globalGuard,
  });
  @Module({})
  class TenancyHttpTestModule {}
  return {
    module: TenancyHttpTestModule,
    global: true,
    imports: [ClsModule.forFeature()],
    providers: [
      { provide: TENANCY_RESOLVED_OPTIONS, useValue: resolved },
      TenantCache,
      TenantContext,
      TenantResolution,
      TenantGuard,
      { provide: APP_GUARD, useClass: options.appGuard ?? TenantGlobalGuard },
    ],
    exports: [TENANCY_RESOLVED_OPTIONS, TenantCache, TenantContext, TenantResolution, TenantGuard],
  };
}

/**
 * Boots a Nest app on Express or Fastify with the tenancy HTTP layer, listening
 * on an ephemeral port of 127.0.0.1 (so supertest never starts and stops the
 * server per request, which concurrent requests would trip over).
 */
export async function createHttpApp(options: HttpAppOptions): Promise<INestApplication> {
  const imports = [tenancyHttpModule(options)];
  if (options.clsMiddleware) imports.unshift(ClsModule.forRoot({ global: true, middleware: { mount: true } }) as never);
  @Module({ imports, controllers: options.controllers ?? [], providers: options.providers ?? [] })
  class HttpTestAppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [HttpTestAppModule] }).compile();
  const app =
    options.platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter())
      : moduleRef.createNestApplication();
  app.useLogger(false);
  options.configure?.(app);
  await app.init();
  if (options.platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  await app.listen(0, '127.0.0.1');
  return app;
}

/** Every platform, with and without the app's own nestjs-cls middleware. */
export const HTTP_SETUPS = HTTP_PLATFORMS.flatMap((platform) =>
  [false, true].map((clsMiddleware) => ({ platform, clsMiddleware })),
);

/** Asserts a tenancy error response: the status, the `{ statusCode, error, message }` body and nothing else (no stack). */
export function expectTenancyError(response: Response, status: number, error: string): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, error, message: expect.any(String) },
  });
  expect(response.text).not.toMatch(/\bat .+:\d+:\d+|stack/i);
}

/** A store that counts lookups, to prove that rejected ids never reach it. */
export class CountingTenantStore implements TenantStore {
  readonly calls: string[] = [];

  constructor(private readonly tenants: Tenant[] = TEST_TENANTS) {}

  async findById(id: string): Promise<Tenant | null> {
    this.calls.push(id);
    const tenant = this.tenants.find((t) => t.id === id);
    return tenant ? { ...tenant } : null;
  }
}
