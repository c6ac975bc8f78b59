import { HttpStatus } from '@nestjs/common';
import { TenancyError } from '../errors/tenancy.error';
import type { MarkedObject } from '../strategies/shared/ownership-marker';

/**
 * Provisioning (or deprovisioning, or claiming) found a schema, database or
 * role under the tenant's name that it did not create for this tenant: it
 * carries another tenant's ownership marker (`owner: 'another-tenant'`) or
 * none (`owner: 'unmarked'`: made by hand, or by a release before markers).
 * Nothing was changed on it. For an unmarked object that really is this
 * tenant's (provisioned by an older release), run `claim` first. Answered
 * with 409 when it escapes a request.
 */
export class TenantResourceNotOwnedError extends TenancyError {
  override readonly errorCode = 'TENANT_RESOURCE_NOT_OWNED';

  constructor(
    readonly tenantId: string,
    readonly object: MarkedObject,
    readonly objectName: string,
    readonly owner: 'unmarked' | 'another-tenant',
  ) {
    const why =
      owner === 'unmarked'
        ? "it exists without an ownership marker (if it is this tenant's, from an older release, claim it first)"
        : "it is marked as another tenant's";
    super(
      `Tenant "${tenantId}" cannot use ${object} "${objectName}": ${why}.`,
      HttpStatus.CONFLICT,
      'TENANT_RESOURCE_NOT_OWNED',
    );
  }
}
