import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { escapeIdentifier, Pool, type PoolConfig } from 'pg';
import { fairSharePoolOf } from '../../pool/fair-share.pool';
import { TenantClientPool } from '../../pool/tenant-client.pool';
import type { PooledTenantClient } from '../../pool/pooled-client.interface';
import { type SharedPoolStats, sharedPoolStats } from '../../pool/shared-pool.stats';
import type { Tenant } from '../../store/tenant.interface';
import { NamedStatements } from '../shared/named-statements';
import { sharedOnlyExtension } from '../shared/shared-only.extension';
import { createTenantBoundClient, type PrismaLike } from '../shared/tenant-client.factory';
import type { TenancyStrategy, TenancyStrategyCommon } from '../tenancy-strategy.interface';
import { tenantSchemaName } from './schema-name';
import type { ResolvedSchemaOptions } from './schema.options';

/**
 * One PostgreSQL schema per tenant, all on one shared pg pool: open
 * connections stay at the pool's size however many tenants are active. Each
 * tenant gets its own Prisma client (kept in an LRU pool) whose adapter
 * qualifies generated SQL with the tenant's schema; raw SQL, writes and
 * transactions run with `search_path` set to that schema only (and `pg_temp`, searched last).
 */
export class SchemaTenancyStrategy<TClient> implements TenancyStrategy<TClient> {
  readonly name = 'schema' as const;
  private readonly logger = new Logger('TenancyModule');
  private pool?: Pool;
  private clients?: TenantClientPool<TClient>;
  private shared?: { base: PrismaLike; client: TClient };
  // Prepared names for every view's statements (one connection serves many tenants in turn).
  private statements?: NamedStatements;

  constructor(
    private readonly options: ResolvedSchemaOptions,
    private readonly common: TenancyStrategyCommon<TClient>,
  ) {}

  async init(): Promise<void> {
    const { common } = this;
    this.pool = new Pool({
      ...common.pool,
      connectionString: common.databaseUrl,
      pipeline: true,
    } as PoolConfig);
    this.pool.on('error', (error) => this.logger.warn(`idle database connection failed: ${error.message}`));
    const base = common.createClient(new PrismaPg(this.pool)) as unknown as PrismaLike;
    this.shared = { base, client: base.$extends(sharedOnlyExtension(common.sharedModels)) as TClient };
    this.statements = new NamedStatements(this.options.statementCacheSize, 'schema.statementCacheSize', (warning) =>
      this.logger.warn(warning),
    );
    const shared = this.pool;
    this.clients = new TenantClientPool<TClient>({
      name: 'schema',
      ...common.clientPool,
      create: (tenant) => this.create(tenant),
      sharedConnections: () => shared.totalCount,
    });
  }

  clientFor(tenant: Tenant): TClient {
    return this.ready().clients.get(tenant);
  }

  sharedClient(): TClient {
    return this.ready().shared.client;
  }

  /** The per-tenant client pool, for stats, events and invalidation. */
  clientPool(): TenantClientPool<TClient> {
    return this.ready().clients;
  }

  /** The shared pool's counters, for metrics (undefined before init and after dispose). */
  sharedPoolStats(): SharedPoolStats | undefined {
    return this.pool && sharedPoolStats(this.pool);
  }

  async dispose(): Promise<void> {
    await this.clients?.disposeAll();
    await this.shared?.base.$disconnect();
    await this.pool?.end();
    this.pool = undefined;
  }

  private create(tenant: Tenant): PooledTenantClient<TClient> {
    const { pool, shared } = this.ready();
    const { common } = this;
    const schema = tenantSchemaName(tenant, this.options.naming);
    const {
      base,
      client: bound,
      view,
    } = createTenantBoundClient({
      tenant,
      common,
      // The views draw from the shared pool through its fair share (the pool itself when `sharedPool` is unset).
      pool: fairSharePoolOf(pool, common.sharedPool, () => common.context.current()?.id),
      // pg_temp named last: otherwise PostgreSQL searches it first, and a temporary table
      // named like a tenant table (left on a server connection by any client of a shared
      // PgBouncer) would shadow the tenant's own table in unqualified raw SQL.
      settings: { search_path: `${escapeIdentifier(schema)}, pg_temp` },
      adapterOptions: { schema },
      shared: shared.client,
      ownership: { kind: 'schema', name: schema },
      statements: this.statements,
    });
    const client = bound as TClient;
    return {
      client,
      activity: () => view.activity(),
      whenIdle: () => view.whenIdle(),
      // Connections belong to the shared pool, counted once by the client pool.
      connections: () => 0,
      dispose: () => base.$disconnect(),
    };
  }

  private ready() {
    if (!this.pool || !this.clients || !this.shared)
      throw new Error('nestjs-prisma-tenancy: the schema strategy is not initialised');
    return { pool: this.pool, clients: this.clients, shared: this.shared };
  }
}
