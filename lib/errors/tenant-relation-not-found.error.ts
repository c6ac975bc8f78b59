import { HttpStatus } from '@nestjs/common';
import { TenancyError } from './tenancy.error';

/**
 * A nested write (`connect`, `connectOrCreate`'s connect, nested `update`,
 * `delete` or `disconnect`) named a related record the current tenant cannot
 * see: another tenant's, or none at all. The two are not told apart, so the
 * answer says nothing about other tenants. Prisma's error (P2025, P2017 or
 * P2018) is the `cause`. Answered with 404.
 */
export class TenantRelationNotFoundError extends TenancyError {
  override readonly errorCode = 'TENANT_RELATION_NOT_FOUND';

  constructor(
    /** The related model, when Prisma named it. */
    readonly model: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(
      `No ${model ? `${model} ` : ''}record of this tenant matches the nested write.`,
      HttpStatus.NOT_FOUND,
      'TENANT_RELATION_NOT_FOUND',
    );
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
