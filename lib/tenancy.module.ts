import { Inject, type MiddlewareConsumer, Module, type NestModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { bindTenantCallInterceptor } from './context/tenant-call.binding';
import { TenantContextMiddleware } from './context/tenant-context.middleware';
import { installRequestContextHook } from './context/request-context.hook';
import { ClsModule } from 'nestjs-cls';
import { TenantContext } from './context/tenant-context.service';
import { TenantGlobalGuard } from './guards/tenant-global.guard';
import { TenantGuard } from './guards/tenant.guard';
import { resolveTenancyOptions } from './options/tenancy-options.validator';
import { TenantPrisma } from './prisma/tenant-prisma.service';
import { TenantPoolService } from './pool/tenant-pool.service';
import { TenancyMetrics } from './metrics/tenancy-metrics.service';
import { TenantRunner } from './jobs/tenant-runner.service';
import { TenantResolution } from './resolvers/tenant-resolution.service';
import { TenantCache } from './store/tenant-cache.service';
import { TenantStore } from './store/tenant-store.interface';
import type { ResolvedTenancyOptions } from './options/resolved-options.interface';
import { createTenancyStrategy } from './strategies/strategy.factory';
import type { TenancyStrategy } from './strategies/tenancy-strategy.interface';
import { ConfigurableTenancyModule, TENANCY_MODULE_OPTIONS } from './tenancy-module.definition';
import {
  TENANCY_CALL_BINDING,
  TENANCY_REGISTRY_LISTENER,
  TENANCY_RESOLVED_OPTIONS,
  TENANCY_STRATEGY,
} from './tenancy.internal-constants';
import type { RegistryInvalidationListener } from './registry/registry-invalidation.listener';
import { registryListenerProvider } from './registry/registry-listener.provider';

/**
 * Multi-tenancy for a NestJS app on Prisma and PostgreSQL.
 *
 * ```ts
 * TenancyModule.forRoot({
 *   strategy: 'rls',
 *   databaseUrl: process.env.DATABASE_URL,
 *   createClient: (adapter) => new PrismaClient({ adapter }),
 *   tenants: [{ id: 'acme', status: 'active' }],
 * })
 * ```
 *
 * Options are validated once at boot; the strategy connects and runs its
 * self-check before the app starts listening, and closes on `app.close()`.
 */
@Module({
  // Statically, never forRoot: the app owns nestjs-cls's global setup.
  imports: [ClsModule.forFeature()],
  providers: [
    { provide: TENANCY_RESOLVED_OPTIONS, useFactory: resolveTenancyOptions, inject: [TENANCY_MODULE_OPTIONS] },
    {
      provide: TenantStore,
      useFactory: (options: ResolvedTenancyOptions) => options.store,
      inject: [TENANCY_RESOLVED_OPTIONS],
    },
    TenantCache,
    TenantContext,
    TenantResolution,
    TenantGuard,
    TenantPrisma,
    TenantPoolService,
    TenancyMetrics,
    TenantRunner,
    { provide: TENANCY_STRATEGY, useFactory: createTenancyStrategy, inject: [TENANCY_RESOLVED_OPTIONS, TenantContext] },
    { provide: APP_GUARD, useClass: TenantGlobalGuard },
    // Not a provider anyone injects: created with the others, before Nest builds the handlers' contexts.
    { provide: TENANCY_CALL_BINDING, useFactory: bindTenantCallInterceptor, inject: [ModulesContainer] },
    registryListenerProvider,
  ],
  exports: [
    TenantStore,
    TenantCache,
    TenantContext,
    TenantResolution,
    TenantGuard,
    TenantPrisma,
    TenantPoolService,
    TenancyMetrics,
    TenantRunner,
    // Internal tokens, for the optional subpaths' providers (the health indicator); never in index.ts.
    TENANCY_RESOLVED_OPTIONS,
    TENANCY_REGISTRY_LISTENER,
  ],
})
export class TenancyModule extends ConfigurableTenancyModule implements NestModule, OnApplicationShutdown {
  constructor(
    @Inject(TENANCY_STRATEGY) private readonly strategy: TenancyStrategy,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TENANCY_REGISTRY_LISTENER) private readonly registryListener: RegistryInvalidationListener | undefined,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    // Each request's CLS context: from the adapter's request hook (Express and Fastify), else as middleware.
    if (installRequestContextHook(this.adapterHost.httpAdapter)) return;
    // Every route: Express 5 matches all paths under '/', Fastify 5 needs a wildcard.
    const fastify = this.adapterHost.httpAdapter?.getType() === 'fastify';
    consumer.apply(TenantContextMiddleware).forRoutes(fastify ? '{*path}' : '/');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registryListener?.stop();
    await this.strategy.dispose();
  }
}
