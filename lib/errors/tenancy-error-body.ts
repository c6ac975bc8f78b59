import type { TenancyError } from './tenancy.error';

/** The body every transport sends for a refusal: the HTTP body of the same error. */
export interface TenancyErrorBody {
  /** The package's stable code: `TENANT_NOT_FOUND`, `TENANT_ID_INVALID`... */
  error: string;
  /** The HTTP status the same refusal gets over HTTP. */
  statusCode: number;
  message: string;
}

/** `{ error, statusCode, message }` of a `TenancyError`, as its HTTP body has them. @internal */
export function tenancyErrorBody(error: TenancyError): TenancyErrorBody {
  return { error: error.errorCode, statusCode: error.getStatus(), message: error.message };
}
