import type { Tenant, TenancyStrategyName } from '../store/tenant.interface';

/**
 * One isolation strategy. The module picks the class from the options and
 * never branches on the strategy name elsewhere.
 */
export interface TenancyStrategy<TClient = unknown> {
  readonly name: TenancyStrategyName;
  /** Opens pools and runs boot-time checks. Throws to stop the app. */
  init(): Promise<void>;
  /** The Prisma client that serves `tenant`. Cheap: called on every `TenantPrisma.client` read. */
  clientFor(tenant: Tenant): TClient;
  /** The client for shared (not tenant-scoped) models, usable without a tenant. */
  sharedClient(): TClient;
  /** Closes every client and pool. Called on application shutdown. */
  dispose(): Promise<void>;
}
