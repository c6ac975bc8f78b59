import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenantMismatchError } from '../../errors/tenant-mismatch.error';
import { settingsScope } from './statement-scope';
import { type Args, scopeArgs, WRITE_OPERATIONS } from './tenant-args';

/** Settings of the extension on a client that serves exactly one tenant. */
export interface TenantBoundExtensionSettings {
  tenantId: string;
  tenantField: string;
  sharedModels: ReadonlySet<string>;
  /** Id of the tenant in context when an operation starts, or undefined. */
  currentTenantId: () => string | undefined;
  /** Runs an operation on a shared model, which lives outside the tenant's schema or database. */
  shared: (model: string, operation: string, args: Args) => Promise<unknown>;
}

/**
 * Extension of a per-tenant client (schema and database strategies). The
 * client can only ever reach its tenant's schema or database, but a reference
 * kept across requests could still be used in another tenant's context, or in
 * none: both fail loudly instead of touching this tenant's data. Tenant-scoped
 * operations still get the tenant field (the Prisma schema is the same for all
 * strategies), and raw SQL and writes are marked to run with the settings.
 */
export function tenantBoundExtension(settings: TenantBoundExtensionSettings) {
  const { tenantId, tenantField, sharedModels, currentTenantId } = settings;
  return {
    name: 'nestjs-prisma-tenancy:tenant-bound',
    query: {
      $allOperations({ model, operation, args, query }: { model?: string; operation: string; args: Args; query: (args: Args) => Promise<unknown> }) {
        const current = currentTenantId();
        if (current === undefined) throw new MissingTenantError(`No tenant in context: ${model ? `${model}.` : ''}${operation} needs a tenant.`);
        if (current !== tenantId) {
          throw new TenantMismatchError('tenant', "This Prisma client serves another tenant than the one in context: read TenantPrisma.client where you query, don't keep it.");
        }
        if (model !== undefined && sharedModels.has(model)) return settings.shared(model, operation, args);
        const scoped = model === undefined ? args : scopeArgs(operation, args ?? {}, tenantField, tenantId);
        if (model !== undefined && !WRITE_OPERATIONS.has(operation)) return query(scoped);
        // Prisma promises are lazy: await inside run() so the statements execute within the scope.
        return settingsScope.run(true, async () => await query(scoped));
      },
    },
  };
}
