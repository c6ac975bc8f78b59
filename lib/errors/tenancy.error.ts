import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Base class of every error this package throws on purpose.
 *
 * It extends Nest's `HttpException` so that, when one escapes a request, Nest's
 * default exception handling answers with the fitting status and a small JSON
 * body (`{ statusCode, error, message }`) instead of a 500 with a stack trace.
 * `code` is stable and meant for programs; `message` is meant for people.
 */
export abstract class TenancyError extends HttpException {
  /** Stable machine-readable code, for example `TENANT_NOT_FOUND`. */
  abstract readonly code: string;

  protected constructor(message: string, status: HttpStatus, code: string) {
    super({ statusCode: status, error: code, message }, status);
    this.message = message;
    this.name = new.target.name;
  }
}
