import { Controller, Get } from '@nestjs/common';
import { SkipTenant, TenantPrisma } from '../../../lib';
import type { PrismaClient } from '../generated/client';

/**
 * Public price list: `Plan` is in `sharedModels`, so `TenantPrisma.shared`
 * reads it without a tenant. A tenant-scoped model through `shared` would
 * still throw `MissingTenantError` here.
 */
@SkipTenant()
@Controller('plans')
export class PlansController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  @Get()
  list() {
    return this.prisma.shared.plan.findMany({ orderBy: { price: 'asc' } });
  }
}
