import { Inject, Injectable } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context.service';
import type { TenancyStrategy } from '../strategies/tenancy-strategy.interface';
import { TENANCY_STRATEGY } from '../tenancy.internal-constants';

/** The model properties of a Prisma client (`plan`, `project`, ...): those not starting with `$` or `_`. */
export type PrismaModelKey<TClient> = Extract<
  { [K in keyof TClient]-?: K extends `$${string}` | `_${string}` ? never : K }[keyof TClient],
  string
>;

/**
 * The models of a Prisma client without a `TTenantField` field (default
 * `tenantId`): the shared ones, when the schema follows the package's rule
 * that every tenant-scoped model carries the tenant column. Read from the
 * delegates' `fields`, so it works for generated and extended clients alike.
 */
export type SharedModelKey<TClient, TTenantField extends string = 'tenantId'> = {
  [K in PrismaModelKey<TClient>]: TClient[K] extends { fields: infer F }
    ? TTenantField extends keyof F
      ? never
      : K
    : K;
}[PrismaModelKey<TClient>];

/**
 * What `TenantPrisma.shared` offers: the delegates of the shared models only,
 * named as in `sharedModels` (`'Plan'`) or as the client's property (`'plan'`).
 * No tenant-scoped model and no `$` method (`$queryRaw`, `$executeRaw`,
 * `$transaction`, ...): without a tenant they can only fail, and raw SQL
 * cannot be confined to shared tables.
 */
export type SharedPrismaClient<TClient, TShared extends string = SharedModelKey<TClient>> = Pick<
  TClient,
  Extract<PrismaModelKey<TClient>, TShared | Uncapitalize<TShared>>
>;

/**
 * Hands out the current tenant's Prisma client, typed as your own generated
 * client: inject `TenantPrisma<PrismaClient>` and use `.client`.
 *
 * A singleton: `client` is resolved on each read from the tenant in CLS, so
 * read it where you query (do not keep it in a field across requests).
 *
 * @typeParam TClient - Your generated (or extended) Prisma client.
 * @typeParam TShared - The models `shared` offers, as listed in `sharedModels`
 * (`TenantPrisma<PrismaClient, 'Plan'>`). Default: the client's models
 * without a `tenantId` field. Name them when your tenant field has another
 * name, or to offer fewer.
 */
@Injectable()
export class TenantPrisma<TClient = unknown, TShared extends string = SharedModelKey<TClient>> {
  constructor(
    private readonly context: TenantContext,
    @Inject(TENANCY_STRATEGY) private readonly strategy: TenancyStrategy<TClient>,
  ) {}

  /** The current tenant's client. Throws `MissingTenantError` when no tenant is set. */
  get client(): TClient {
    return this.strategy.clientFor(this.context.tenant);
  }

  /**
   * The shared models (listed in `sharedModels`), usable without a tenant,
   * for example on a sign-up route. Typed to offer only those models: a
   * tenant-scoped model or raw SQL does not compile here (and, reached past
   * the types, still throws `MissingTenantError` when no tenant is set).
   */
  get shared(): SharedPrismaClient<TClient, TShared> {
    return this.strategy.sharedClient() as unknown as SharedPrismaClient<TClient, TShared>;
  }
}
