import { HttpStatus } from '@nestjs/common';
import { TenancyError } from '../errors/tenancy.error';

/** What two tenant records may not share. */
export type TenantResource = 'schema' | 'database';

/**
 * A tenant record would name a schema, or a database (the same server and
 * database name), that another record already names, in any status,
 * `deleted` included: two tenants on one schema or database would read each
 * other's data, and deprovisioning one would drop the other's. Answered with
 * 409 when it escapes a request; nothing is written.
 */
export class TenantResourceTakenError extends TenancyError {
  override readonly errorCode = 'TENANT_RESOURCE_TAKEN';

  constructor(
    readonly tenantId: string,
    readonly resource: TenantResource,
    /** The schema name, or the database as `host:port/database` (never a password). */
    readonly resourceName: string,
  ) {
    super(
      `Tenant "${tenantId}" cannot use ${resource} "${resourceName}": another tenant record already names it.`,
      HttpStatus.CONFLICT,
      'TENANT_RESOURCE_TAKEN',
    );
  }
}
