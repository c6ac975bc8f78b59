import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PoolConfig } from 'pg';
import type { TenantEntryPoint } from '../entry-points/tenant-entry-point.interface';
import type { TenantResolver, TenancyRequest } from '../resolvers/tenant-resolver.interface';
import type { Tenant, TenancyStrategyName } from '../store/tenant.interface';
import type { TenantStore } from '../store/tenant-store.interface';
import type { RegistryInvalidationListenerOptions } from '../registry/registry-invalidation.listener';
import type { DatabaseStrategyOptions } from '../strategies/database/database.options';
import type { RlsStrategyOptions } from '../strategies/rls/rls.options';
import type { SchemaStrategyOptions } from '../strategies/schema/schema.options';

// Each strategy's options live in its folder; re-exported here, where the public API has always found them.
export type { DatabaseStrategyOptions, RlsStrategyOptions, SchemaStrategyOptions };

/** Read the tenant id from a request header. */
export interface HeaderResolverOptions {
  type: 'header';
  /** Header name, case-insensitive. Default: `x-tenant-id`. */
  header?: string;
}

/** Read the tenant id from the first label of the host name: `acme.example.com` → `acme`. */
export interface SubdomainResolverOptions {
  type: 'subdomain';
  /**
   * The base domain under which tenants live, for example `example.com`. Only
   * hosts of the form `<tenant>.<baseDomain>` match. Default: none, the first
   * label of any host with at least three labels.
   */
  baseDomain?: string;
  /** First labels that are never tenants, for example `www`. Default: `['www']`. */
  ignore?: string[];
}

/** Read the tenant id from a path segment: `/acme/projects` → `acme`. */
export interface PathResolverOptions {
  type: 'path';
  /** Zero-based index of the segment holding the tenant id. Default: `0`. */
  segment?: number;
}

/** Read the tenant id from a claim on `req.user`, set by authentication that ran earlier. Tokens are not verified here. */
export interface ClaimResolverOptions {
  type: 'claim';
  /** Property (dot path allowed) on `req.user`. Default: `tenantId`. */
  claim?: string;
}

/** Any function of the request. */
export interface CustomResolverOptions {
  type: 'custom';
  resolve: (request: TenancyRequest) => string | undefined | Promise<string | undefined>;
}

/** A built-in resolver configuration, or your own `TenantResolver` instance. */
export type TenantResolverOption =
  | HeaderResolverOptions
  | SubdomainResolverOptions
  | PathResolverOptions
  | ClaimResolverOptions
  | CustomResolverOptions
  | TenantResolver;

/** Pool of per-tenant Prisma clients (schema and database strategies). */
export interface ClientPoolOptions {
  /** Most live per-tenant clients; the least recently used is evicted past it. Default: `100`. */
  max?: number;
  /** A client unused this long (ms) is evicted, closing its connections. `0` disables. Default: `600000` (10 minutes). */
  idleTtlMs?: number;
}

/**
 * Fair share of the one pg pool all tenants share: the RLS strategy's pool,
 * and the schema strategy's pool under the tenants' clients. Off unless set,
 * and then nothing is added to any statement.
 */
export interface SharedPoolOptions {
  /**
   * Most connections of the shared pool one tenant holds at once (at most
   * `pool.max`). A tenant at its cap waits for one of its own connections, so
   * one tenant's slow queries can never take every connection. Requests
   * without a tenant (shared models) are not capped. Default: none (no cap).
   */
  tenantMax?: number;
  /**
   * How long (ms) a statement or transaction waits for a connection (for its
   * tenant's share, then for the pool) before it fails with
   * `TenantUnavailableError` (503), as `database.budgetWaitMs` does. Keep it
   * under Prisma's interactive-transaction `maxWait` (2 s by default), or a
   * transaction gets Prisma's P2028 (a 500) first; `1500` is the database
   * strategy's choice. Default: none (waits as long as pg does).
   */
  waitMs?: number;
}

/** How requests treat a tenant whose last migration failed. */
export interface TenancyMigrationsOptions {
  /**
   * An `active` tenant whose last migration run failed (its record's
   * `lastError` is set; see `Tenant.lastError`) is still on its previous
   * schema version. `serve`: serve it as it is (a failed migration is rolled
   * back whole, so its schema is consistent, one release behind; right when
   * migrations are backward compatible). `refuse`: answer its requests with
   * 503 `TENANT_MIGRATION_FAILED` (`TenantMigrationFailedError`) until a
   * migration run succeeds. Read from the cached tenant: no query per
   * request. Default: `'serve'`.
   */
  onFailed?: 'serve' | 'refuse';
}

/** Options of `TenancyModule.forRoot()` / `forRootAsync()`. */
export interface TenancyModuleOptions<TClient = unknown> {
  /** Isolation strategy: `rls`, `schema` or `database`. */
  strategy: TenancyStrategyName;
  /**
   * Connection string of the application's database role. For `rls` this role
   * must not own the tables and must not be a superuser or have BYPASSRLS.
   */
  databaseUrl: string;
  /**
   * Builds your generated Prisma client on the adapter the package gives you:
   * `createClient: (adapter) => new PrismaClient({ adapter })`.
   */
  createClient: (adapter: SqlDriverAdapterFactory) => TClient;
  /** Where tenants are looked up. Give this or `tenants`. */
  store?: TenantStore;
  /** Shorthand for `store: new InMemoryTenantStore(tenants)`. */
  tenants?: Tenant[];
  /** Resolvers tried in order; the first that returns an id wins. Default: `[{ type: 'header' }]`. */
  resolvers?: TenantResolverOption[];
  /**
   * Pattern a tenant id must match before any lookup. Default:
   * `/^[a-z0-9][a-z0-9_-]{0,62}$/i` (1-63 characters, letters, digits, `_`, `-`).
   */
  tenantIdPattern?: RegExp;
  /** Tenant lookup cache. */
  cache?: {
    /** How long a looked-up tenant (or a miss) is remembered, in ms. Default: `30000`. */
    ttlMs?: number;
    /** Most tenants kept; misses are kept apart, at most as many again, so they never evict a tenant. Default: `10000`. */
    max?: number;
  };
  /** What happens to tenants whose last migration failed. Default: served (`onFailed: 'serve'`). */
  migrations?: TenancyMigrationsOptions;
  /**
   * How GraphQL operations, WebSocket messages and microservice messages name
   * their tenant: one entry point per Nest context type. Default: all of the
   * package's (GraphQL, WebSockets, microservices), with their default settings.
   * Give a list to change one's settings or to leave a context type without
   * tenant resolution (its handlers then run without a tenant, failing closed).
   */
  entryPoints?: TenantEntryPoint[];
  /** Register `TenantGuard` as a global guard. Default: `true`. */
  globalGuard?: boolean;
  /** Prisma field holding the tenant id in tenant-scoped models. Default: `tenantId`. */
  tenantField?: string;
  /** Prisma models that are not tenant-scoped (shared by all tenants). Default: `[]`. */
  sharedModels?: string[];
  /** Settings of the pg pool the package creates (`max`, timeouts...). `connectionString` comes from `databaseUrl`. */
  pool?: Omit<PoolConfig, 'connectionString'>;
  /** Per-tenant cap and wait deadline on the shared pool (RLS and schema strategies). Default: none. */
  sharedPool?: SharedPoolOptions;
  /** RLS strategy settings (`rls.setting` also names the tenant setting for the other strategies). */
  rls?: RlsStrategyOptions;
  /**
   * Strategies tenants may use. A tenant record's `strategy` overrides
   * `strategy` for that tenant, if listed here. Default: `[strategy]`.
   */
  strategies?: TenancyStrategyName[];
  /** Per-tenant client pool (schema and database strategies). */
  clientPool?: ClientPoolOptions;
  /** Schema strategy settings. */
  schema?: SchemaStrategyOptions;
  /**
   * LISTEN for tenant changes other processes write to a `PrismaTenantStore`
   * registry (it NOTIFYs on every write), so every instance's tenant cache
   * forgets a changed tenant at once instead of after `cache.ttlMs`. Needs a
   * direct connection (not PgBouncer in transaction pooling). Default: none.
   */
  registryListener?: Omit<RegistryInvalidationListenerOptions, 'onInvalidate' | 'onResync'>;
  /** Database strategy settings. */
  database?: DatabaseStrategyOptions;
}

/** Extra options of `forRoot`/`forRootAsync` that shape the module itself. */
export interface TenancyModuleExtras {
  /** Make the module's providers available everywhere. Default: `true`. */
  isGlobal?: boolean;
}

// Compile-time: every registered strategy has its options slice, under its name.
type AssertNone<T extends never> = T;
type _StrategyWithoutOptions = AssertNone<Exclude<TenancyStrategyName, keyof TenancyModuleOptions>>;
