import { formatTenantLeakReport } from './format-tenant-leak-report';
import type { TenantLeakReport } from './tenant-leak.report';

/**
 * Thrown by `expectNoTenantLeaks` when a route showed the owner tenant's
 * canaries to the observer, or a write changed them. The message lists every
 * leak by route; `report` has them as data.
 */
export class TenantLeakError extends Error {
  /** Stable code, as the package's other errors have. */
  readonly errorCode = 'TENANT_LEAK';

  constructor(readonly report: TenantLeakReport) {
    super(formatTenantLeakReport(report));
    this.name = 'TenantLeakError';
  }
}
