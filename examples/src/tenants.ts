import type { Tenant } from '../../lib';

/**
 * The example's tenants. A real app keeps them in a table or a service and
 * passes a `TenantStore`; a fixed list is enough to show every status code.
 */
export const EXAMPLE_TENANTS: Tenant[] = [
  { id: 'acme', status: 'active', name: 'Acme Corp' },
  { id: 'globex', status: 'active', name: 'Globex' },
  // Exists but may not be entered: requests get 403, jobs skip it.
  { id: 'initech', status: 'suspended', name: 'Initech' },
];
