import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TenancyHealthIndicator } from '../../../lib/health';
import { HealthController } from './health.controller';

/** Terminus' health checks, with the package's indicator (from `nestjs-prisma-tenancy/health`). */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [HealthController],
  providers: [TenancyHealthIndicator],
})
export class HealthModule {}
