import { Controller, Get } from '@nestjs/common';
import { SkipTenant } from '../../../lib';

/** Load-balancer probe: answers without a tenant. */
@SkipTenant()
@Controller('health')
export class HealthController {
  @Get()
  check() {
    return { status: 'ok' };
  }
}
