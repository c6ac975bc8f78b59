import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import type { Tenant } from '../../store/tenant.interface';
import type { TenancyStrategyCommon } from '../tenancy-strategy.interface';
import { setConfigSql } from './pipelined-settings';
import { callModel } from './shared-only.extension';
import type { NamedStatements } from './named-statements';
import { readFastPath } from './read-fast-path';
import { settingsScope } from './statement-scope';
import { type OwnedTarget, ownershipCheck } from './ownership-check';
import { assertTenantBound, tenantBoundExtension } from './tenant-bound.extension';
import { type DirectReads, TenantViewPool } from './tenant-view.pool';

/** A Prisma client as the strategies use it. */
export type PrismaLike = { $extends(extension: unknown): PrismaLike; $disconnect(): Promise<void> };

/** Where a per-tenant client's connections come from, and how they are set up. */
export interface TenantClientSource<TClient> {
  tenant: Tenant;
  /** What every strategy receives: the client factory, the tenant field and setting, the context... */
  common: TenancyStrategyCommon<TClient>;
  /** The pool the tenant's statements run on (shared, or the tenant's own). */
  pool: Pool;
  /** Session settings of raw SQL, writes and transactions, besides the tenant setting. */
  settings?: Record<string, string>;
  /** Prisma's pg adapter options (the schema strategy's `schema`). */
  adapterOptions?: ConstructorParameters<typeof PrismaPg>[1];
  /** The client for shared models. */
  shared: TClient;
  /** A pool plain reads may use directly (the database strategy's tenant pool). */
  direct?: DirectReads;
  /** What must carry the tenant's ownership marker before the first statement runs. */
  ownership: OwnedTarget;
  /** Prepared names for Prisma's statements, one set per strategy (see NamedStatements). Default: none. */
  statements?: NamedStatements;
}

/**
 * Builds one tenant's client for the schema and database strategies: a view
 * of the pool that refuses statements outside the tenant's context, Prisma's
 * adapter over it, the user's client, and the tenant-bound extension (which
 * reads of tenant-scoped models skip: see read-fast-path.ts). The view
 * checks the ownership marker of the tenant's schema or database once, before
 * its first statement (ownership-check.ts).
 * Nothing opens a connection here, so a throwing `createClient` leaves nothing behind.
 */
export function createTenantBoundClient<TClient>(source: TenantClientSource<TClient>): {
  base: PrismaLike;
  client: PrismaLike;
  view: TenantViewPool;
} {
  const { tenant, common } = source;
  const { context } = common;
  const setSql = setConfigSql({ ...source.settings, [common.tenantSetting]: tenant.id }, true);
  const view = new TenantViewPool(
    source.pool,
    setSql,
    () => settingsScope.getStore(),
    () => assertTenantBound(tenant.id, context.current()?.id),
    source.direct,
    ownershipCheck(tenant.id, source.ownership),
    source.statements,
  );
  const adapter = new PrismaPg(view, source.adapterOptions);
  if ((adapter as unknown as { externalPool?: unknown }).externalPool !== view) {
    throw new TenancyConfigError(
      'pool',
      'more than one copy of the `pg` package is installed; run `npm dedupe` so @prisma/adapter-pg and nestjs-prisma-tenancy share one.',
    );
  }
  const base = common.createClient(adapter) as unknown as PrismaLike;
  const bound = base.$extends(
    tenantBoundExtension({
      tenantId: tenant.id,
      tenantField: common.tenantField,
      sharedModels: common.sharedModels,
      currentTenantId: () => context.current()?.id,
      shared: (model, operation, args) => callModel(source.shared, model, operation, args),
    }),
  );
  return { base, client: readFastPath(base, bound, common.sharedModels), view };
}
