import { HttpStatus } from '@nestjs/common';
import { TenancyError } from '../errors/tenancy.error';

/**
 * `deprovision(id)` was called without `{ confirm: id }`. Dropping a tenant
 * destroys its data, so the caller must repeat the id: a wrong variable or a
 * default argument cannot delete a tenant by accident.
 */
export class DeprovisionNotConfirmedError extends TenancyError {
  override readonly errorCode = 'DEPROVISION_NOT_CONFIRMED';

  constructor(readonly tenantId: string) {
    super(
      `Refusing to deprovision tenant "${tenantId}": pass { confirm: "${tenantId}" } to drop its data.`,
      HttpStatus.BAD_REQUEST,
      'DEPROVISION_NOT_CONFIRMED',
    );
  }
}
