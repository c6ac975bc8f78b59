import { Controller, Get, Param } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SkipTenant } from '../../../lib';
import { TenancyHealthIndicator } from '../../../lib/health';

/** Load-balancer probe: answers without a tenant (503 with the failing checks when something is down). */
@SkipTenant()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tenancy: TenancyHealthIndicator,
  ) {}

  /** The shared database answers, the registry listener (if any) listens, no pool is saturated. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.tenancy.checkDatabase(),
      () => this.tenancy.checkRegistryListener(),
      () => this.tenancy.checkPool(),
    ]);
  }

  /** One tenant can be served (SELECT 1 as that tenant): for an operator, not a load balancer. */
  @Get('tenants/:id')
  @HealthCheck()
  tenant(@Param('id') id: string) {
    return this.health.check([() => this.tenancy.checkTenant(id)]);
  }
}
