import { Logger, type Provider } from '@nestjs/common';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { TenantCache } from '../store/tenant-cache.service';
import { TENANCY_REGISTRY_LISTENER, TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';
import { RegistryInvalidationListener } from './registry-invalidation.listener';

/**
 * Starts the registry listener when `registryListener` is set, so tenant
 * changes written by other processes reach this instance's cache at once.
 * The module stops it on shutdown.
 * @internal
 */
export const registryListenerProvider: Provider = {
  provide: TENANCY_REGISTRY_LISTENER,
  inject: [TENANCY_RESOLVED_OPTIONS, TenantCache],
  useFactory: async (options: ResolvedTenancyOptions, cache: TenantCache) => {
    if (!options.registryListener) return undefined;
    const logger = new Logger('TenancyModule');
    const listener = new RegistryInvalidationListener({
      onError: (error) => logger.warn(`registry listener: ${error.message}`),
      ...options.registryListener,
      onInvalidate: (id) => cache.invalidate(id),
      onResync: () => cache.clear(),
    });
    await listener.start();
    return listener;
  },
};
