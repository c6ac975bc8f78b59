import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import type { TenancyStrategy, TenancyStrategyCommon } from '../tenancy-strategy.interface';
import { confineQueryBatching } from './prisma-batching';
import { type RlsScope, sharedModelScope } from './rls-scope';
import { runRlsSelfCheck } from './rls-self-check';
import { RlsTenantPool } from './rls-tenant.pool';
import { type SharedPoolStats, sharedPoolStats } from '../../pool/shared-pool.stats';
import { rlsExtension } from './rls.extension';
import { readFastPath } from '../shared/read-fast-path';
import { modelsWithoutField } from '../../prisma/prisma-runtime-models';
import type { ResolvedRlsOptions } from './rls.options';

type ExtendableClient = { $extends(extension: unknown): unknown; $disconnect(): Promise<void> };

/**
 * One shared database protected by PostgreSQL row-level security: one pg pool
 * and one Prisma client for all tenants. The client extension scopes queries
 * (layer 1); the pool sets the tenant in the database session for every
 * statement so the policies scope whatever reaches SQL (layer 2).
 */
export class RlsTenancyStrategy<TClient> implements TenancyStrategy<TClient> {
  readonly name = 'rls' as const;
  private readonly logger = new Logger('TenancyModule');
  private pool?: RlsTenantPool;
  private client?: TClient;

  constructor(
    private readonly rls: ResolvedRlsOptions,
    private readonly common: TenancyStrategyCommon<TClient>,
  ) {}

  async init(): Promise<void> {
    const { rls, common } = this;
    if (rls.selfCheck) {
      const result = await runRlsSelfCheck(common.databaseUrl, rls.tenantColumn, {
        schemaTenants: common.strategies.has('schema'),
      });
      for (const warning of result.warnings) this.logger.warn(warning);
      const left = result.tenantSchemas.length
        ? `; ${result.tenantSchemas.length} tenant schemas left to the schema strategy`
        : '';
      this.logger.log(
        `RLS self-check passed for role "${result.role}" (${result.tables.length} tenant-scoped tables${left})`,
      );
    }
    this.pool = new RlsTenantPool(
      { ...common.pool, connectionString: common.databaseUrl },
      {
        setting: common.tenantSetting,
        mode: rls.mode,
        scope: () => this.scope(),
        fairShare: common.sharedPool,
        statementCacheSize: rls.statementCacheSize,
        onStatementCacheOff: (warning) => this.logger.warn(warning),
      },
    );
    // Idle connections erroring (server restart) must not crash the process; pg removes them.
    this.pool.on('error', (error) => this.logger.warn(`idle database connection failed: ${error.message}`));
    const adapter = new PrismaPg(this.pool);
    // With two copies of `pg` installed, the adapter would not recognise our
    // pool as a Pool and would open a plain one that sets no tenant.
    if ((adapter as unknown as { externalPool?: unknown }).externalPool !== this.pool) {
      throw new TenancyConfigError(
        'pool',
        "Prisma's pg adapter did not accept the tenant-aware pool: more than one copy of the `pg` package is installed. Run `npm dedupe` (or align versions) so that @prisma/adapter-pg and nestjs-prisma-tenancy share one `pg`.",
      );
    }
    const base = common.createClient(adapter) as unknown as ExtendableClient;
    confineQueryBatching(base);
    const extended = base.$extends(
      rlsExtension({
        tenantField: common.tenantField,
        sharedModels: common.sharedModels,
        currentTenantId: () => common.context.current()?.id,
      }),
    ) as TClient & object;
    this.client = this.withReadFastPath(base, extended);
  }

  /**
   * Reads of tenant-scoped models skip the extension (Prisma's extension
   * machinery costs every operation it wraps about as much as the database
   * work of a primary-key read): the policies scope them, and the pool refuses
   * any statement without a tenant in context (`MissingTenantError`), so they
   * fail closed as before. Only when that is proven: the self-check passed
   * (every table with the tenant column has forced policies), and the model
   * has the tenant field (a model without it is not policy-protected, so its
   * reads keep the extension, which refuses them). Otherwise every operation
   * keeps the extension (layer 1) as well.
   */
  private withReadFastPath(base: ExtendableClient, extended: TClient & object): TClient {
    if (!this.rls.selfCheck) return extended;
    const unscoped = modelsWithoutField(base, this.common.tenantField);
    if (!unscoped) return extended;
    const keep = new Set([...this.common.sharedModels, ...unscoped]);
    return readFastPath(base as unknown as TClient & object, extended, keep);
  }

  clientFor(): TClient {
    return this.sharedClient();
  }

  sharedClient(): TClient {
    if (!this.client) throw new Error('nestjs-prisma-tenancy: the RLS strategy is not initialised yet');
    return this.client;
  }

  /** The pool's counters, for metrics (undefined before init and after dispose). */
  sharedPoolStats(): SharedPoolStats | undefined {
    return this.pool && sharedPoolStats(this.pool);
  }

  async dispose(): Promise<void> {
    await (this.client as unknown as ExtendableClient | undefined)?.$disconnect();
    await this.pool?.end();
    this.client = undefined;
    this.pool = undefined;
  }

  private scope(): RlsScope {
    const tenant = this.common.context.current();
    if (tenant) return { tenantId: tenant.id };
    if (sharedModelScope.getStore()) return { tenantId: null };
    throw new MissingTenantError('No tenant in context: a database statement was about to run unscoped.');
  }
}
