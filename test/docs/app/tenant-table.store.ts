import type { Tenant, TenantStore } from '../../../lib/index';

/** Your own `TenantStore`, over a table of your app. */
export class TenantTableStore implements TenantStore {
  async findById(id: string): Promise<Tenant | null> {
    return id ? { id, status: 'active' } : null;
  }
}
