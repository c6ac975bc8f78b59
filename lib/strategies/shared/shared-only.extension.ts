import { MissingTenantError } from '../../errors/missing-tenant.error';
import type { Args } from './tenant-args';

/**
 * Extension of the client for shared models in the schema and database
 * strategies. It reaches the main database's default schema, where shared
 * tables live, so it must never serve a tenant-scoped model or raw SQL: those
 * would read another place than the tenant's own.
 */
export function sharedOnlyExtension(sharedModels: ReadonlySet<string>) {
  return {
    name: 'nestjs-prisma-tenancy:shared-only',
    query: {
      $allOperations({
        model,
        operation,
        args,
        query,
      }: {
        model?: string;
        operation: string;
        args: Args;
        query: (args: Args) => Promise<unknown>;
      }) {
        if (model !== undefined && sharedModels.has(model)) return query(args);
        throw new MissingTenantError(
          `${model ? `${model}.` : ''}${operation} is not a shared-model operation: use TenantPrisma.client inside a tenant for tenant-scoped models and raw SQL.`,
        );
      },
    },
  };
}

/** Calls `client.<model>.<operation>(args)` on a Prisma client by model name. */
export function callModel(client: unknown, model: string, operation: string, args: Args): Promise<unknown> {
  const delegate = (client as Record<string, Record<string, (args: Args) => Promise<unknown>>>)[
    model.charAt(0).toLowerCase() + model.slice(1)
  ];
  return delegate[operation](args);
}
