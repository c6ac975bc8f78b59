import { Module, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { FlowProducer, Queue } from 'bullmq';
import { propagateTenantToJobs } from './tenant-jobs.propagation';

/**
 * Import it once (next to `BullModule.forRoot`) and every queue and flow
 * producer registered with `@nestjs/bullmq` (`registerQueue`,
 * `registerFlowProducer`, sync or async) carries the current tenant into the
 * jobs added from inside a tenant (see `propagateTenantToJobs`): the
 * `Queue` that `@InjectQueue()` gives is the same object, so producers need
 * no change. Done when the module initializes, so jobs are covered from
 * `onApplicationBootstrap` on.
 */
@Module({ imports: [DiscoveryModule] })
export class TenancyQueuesModule implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue || instance instanceof FlowProducer) propagateTenantToJobs(instance);
    }
  }
}
