import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type PoolConfig } from 'pg';
import type { PooledTenantClient } from '../../pool/pooled-client.interface';
import { TenantClientPool } from '../../pool/tenant-client.pool';
import { type SharedPoolStats, sharedPoolStats } from '../../pool/shared-pool.stats';
import type { Tenant } from '../../store/tenant.interface';
import { NamedStatements } from '../shared/named-statements';
import { sharedOnlyExtension } from '../shared/shared-only.extension';
import { createTenantBoundClient, type PrismaLike } from '../shared/tenant-client.factory';
import type { TenantViewPool } from '../shared/tenant-view.pool';
import type { TenancyStrategy, TenancyStrategyCommon } from '../tenancy-strategy.interface';
import { ConnectionBudget } from './connection-budget';
import type { ResolvedDatabaseOptions } from './database.options';
import { tenantDatabaseUrl } from './tenant-database-url';
import { TenantDatabasePool } from './tenant-database.pool';

/**
 * One database per tenant, on any number of servers: each tenant's
 * connection string comes from its record (`tenant.databaseUrl`, optionally
 * encrypted). A live tenant has its own pg pool and Prisma client, kept in
 * the LRU client pool; all tenant pools draw from one connection budget that
 * is never exceeded. Shared models live in the main `databaseUrl` database.
 */
export class DatabaseTenancyStrategy<TClient> implements TenancyStrategy<TClient> {
  readonly name = 'database' as const;
  private readonly logger = new Logger('TenancyModule');
  private sharedPool?: Pool;
  private shared?: { base: PrismaLike; client: TClient };
  private clients?: TenantClientPool<TClient>;
  private budget?: ConnectionBudget;
  // The pool of each cached tenant client, with the record value it was built from.
  private readonly live = new Map<
    string,
    { pool: TenantDatabasePool; view: TenantViewPool; stored: string | undefined }
  >();
  // Pools of evicted clients whose connections are about to close.
  private readonly closing = new Set<TenantDatabasePool>();
  // Every pool that may hold connections, so shutdown ends them all.
  private readonly open = new Set<TenantDatabasePool>();
  private shutDown = false;
  // Prepared names for every tenant pool's statements; turned off for all if a pooler drops them.
  private statements?: NamedStatements;

  constructor(
    private readonly database: ResolvedDatabaseOptions,
    private readonly common: TenancyStrategyCommon<TClient>,
  ) {}

  async init(): Promise<void> {
    const { database, common } = this;
    this.sharedPool = new Pool({ ...common.pool, connectionString: common.databaseUrl } as PoolConfig);
    this.sharedPool.on('error', (error) => this.logger.warn(`idle database connection failed: ${error.message}`));
    const base = common.createClient(new PrismaPg(this.sharedPool)) as unknown as PrismaLike;
    this.shared = { base, client: base.$extends(sharedOnlyExtension(common.sharedModels)) as TClient };
    this.statements = new NamedStatements(database.statementCacheSize, 'database.statementCacheSize', (warning) =>
      this.logger.warn(warning),
    );
    this.budget = new ConnectionBudget(database.connectionBudget, database.budgetWaitMs, () => this.reclaim());
    this.clients = new TenantClientPool<TClient>({
      name: 'database',
      ...common.clientPool,
      create: (tenant) => this.create(tenant),
    });
    this.clients.on('evicted', ({ tenantId }: { tenantId: string }) => {
      const entry = this.live.get(tenantId);
      this.live.delete(tenantId);
      if (entry) this.closing.add(entry.pool);
    });
  }

  clientFor(tenant: Tenant): TClient {
    const { clients } = this.ready();
    // A changed record (new URL, re-encrypted value) gets a fresh pool; in-flight work finishes on the old one.
    const entry = this.live.get(tenant.id);
    if (entry && entry.stored !== tenant.databaseUrl) void clients.invalidate(tenant.id);
    return clients.get(tenant);
  }

  sharedClient(): TClient {
    return this.ready().shared.client;
  }

  /** The per-tenant client pool, for stats, events and invalidation. */
  clientPool(): TenantClientPool<TClient> {
    return this.ready().clients;
  }

  /** The shared (`databaseUrl`) pool's counters, for metrics (undefined before init and after dispose). */
  sharedPoolStats(): SharedPoolStats | undefined {
    return this.sharedPool && sharedPoolStats(this.sharedPool);
  }

  /** The global connection budget, for metrics and tests. */
  connectionBudget(): ConnectionBudget {
    if (!this.budget) throw new Error('nestjs-prisma-tenancy: the database strategy is not initialised');
    return this.budget;
  }

  async dispose(): Promise<void> {
    // In-flight work finishes first (it may still wait for a budget slot).
    await this.clients?.disposeAll();
    // A client kept past its eviction could otherwise reopen a pool nobody would end.
    this.shutDown = true;
    this.budget?.close();
    await Promise.all([...this.open].map((pool) => pool.end()));
    await this.shared?.base.$disconnect();
    await this.sharedPool?.end();
    this.sharedPool = undefined;
  }

  private create(tenant: Tenant): PooledTenantClient<TClient> {
    const { shared, budget } = this.ready();
    const { database } = this;
    // Throws TenantMisconfiguredError before anything is built.
    const connectionString = tenantDatabaseUrl(tenant, database);
    const pool = new TenantDatabasePool({
      tenantId: tenant.id,
      connectionString,
      poolSize: database.poolSize,
      connectTimeoutMs: database.connectTimeoutMs,
      budgetWaitMs: database.budgetWaitMs,
      budget,
      open: this.open,
      shutDown: () => this.shutDown,
      reclaim: () => this.reclaim(),
      report: (detail) => this.logger.warn(detail),
    });
    // The pg pool opens on first use, so a throwing createClient leaves nothing open.
    // No extension of its own: the pool throws TenantUnavailableError, which Prisma passes through.
    const {
      base,
      client: bound,
      view,
    } = createTenantBoundClient({
      tenant,
      common: this.common,
      pool,
      shared: shared.client,
      ownership: { kind: 'database' },
      direct: { pool: () => pool.readyPool(), error: (error) => pool.statementError(error) },
      statements: this.statements,
    });
    const client = bound as TClient;
    this.live.set(tenant.id, { pool, view, stored: tenant.databaseUrl });
    return {
      client,
      activity: () => view.activity(),
      whenIdle: () => view.whenIdle(),
      connections: () => pool.connections(),
      dispose: async () => {
        try {
          await base.$disconnect();
          await pool.end();
        } finally {
          this.closing.delete(pool);
        }
      },
    };
  }

  /**
   * Frees budget slots for the connections waiting for one: first disposes
   * least recently used idle tenants (while one holds connections), then
   * closes idle connections of busy tenants, until the slots coming free
   * cover the waiters. Runs when a connection starts waiting and when one
   * goes idle while others wait.
   */
  private reclaim(): void {
    const { clients, budget } = this;
    if (!clients || !budget) return;
    const coming = () => {
      let slots = 0;
      for (const pool of this.closing) slots += pool.connections();
      for (const pool of this.open) if (!this.closing.has(pool)) slots += pool.closingConnections();
      return slots;
    };
    const idleTenantHoldsConnections = () =>
      [...this.live.values()].some((e) => e.view.activity() === 0 && e.pool.connections() > 0);
    while (budget.waiting() > coming() && idleTenantHoldsConnections()) {
      if (!clients.evictIdle()) break;
    }
    for (const pool of this.open) {
      if (this.closing.has(pool)) continue;
      while (budget.waiting() > coming()) {
        if (!pool.closeIdleConnection()) break;
      }
    }
  }

  private ready() {
    if (!this.sharedPool || !this.shared || !this.clients || !this.budget) {
      throw new Error('nestjs-prisma-tenancy: the database strategy is not initialised');
    }
    return { shared: this.shared, clients: this.clients, budget: this.budget };
  }
}
