import type { INestApplicationContext } from '@nestjs/common';
import { TenantContext } from '../../context/tenant-context.service';
import type { ResolvedTenancyOptions } from '../../options/resolved-options.interface';
import { TenantPrisma } from '../../prisma/tenant-prisma.service';
import { TENANCY_RESOLVED_OPTIONS } from '../../tenancy.internal-constants';
import type { CanaryTarget } from './canary-seeder';

/** The owner tenant of an app as the seeder writes to it: `TenantContext.run` with `TenantPrisma.client`. */
export function canaryTarget(
  app: INestApplicationContext,
  tenantId: string,
  prisma: TenantPrisma<any, any> = app.get<TenantPrisma<unknown>>(TenantPrisma, { strict: false }),
): CanaryTarget {
  const context = app.get(TenantContext, { strict: false });
  const options = app.get<symbol, ResolvedTenancyOptions>(TENANCY_RESOLVED_OPTIONS, { strict: false });
  return {
    tenantId,
    run: (fn) => context.run(tenantId, () => fn(prisma.client)),
    tenantField: options.tenantField,
    sharedModels: options.sharedModels,
  };
}
