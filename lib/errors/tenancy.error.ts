import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Base class of every error this package throws on purpose.
 *
 * It extends Nest's `HttpException` so that, when one escapes a request, Nest's
 * default exception handling answers with the fitting status and a small JSON
 * body (`{ statusCode, error, message }`) instead of a 500 with a stack trace.
 * `errorCode` is stable and meant for programs; `message` is meant for people.
 *
 * `errorCode` is also where Nest 12's own `HttpException` keeps its code.
 * Why not `code`: Prisma re-wraps any error with a `code`
 * that reaches it from the database driver into `PrismaClientKnownRequestError`,
 * keeping only code and message. The strategies' pools throw these errors
 * under Prisma (a tenant's database down, a client used outside its tenant),
 * and without a `code` Prisma lets them through as they are: your code and
 * Nest's exception filter see `TenantUnavailableError` (503), not a 500.
 */
export abstract class TenancyError extends HttpException {
  protected constructor(message: string, status: HttpStatus, code: string) {
    super({ statusCode: status, error: code, message }, status);
    this.message = message;
    this.name = new.target.name;
  }

  /**
   * The code and the HTTP status, where GraphQL servers look for them:
   * graphql-js copies an error's `extensions` into the `GraphQLError` it
   * wraps it in, so a `TenancyError` thrown inside a resolver reaches the
   * client with `extensions: { code, statusCode }` (Mercurius, graphql-http,
   * Yoga; Apollo through `formatTenancyError`). A getter: not part of what
   * the error serializes to.
   */
  get extensions(): { code: string; statusCode: number } {
    return { code: this.errorCode, statusCode: this.getStatus() };
  }
}

// Declared by merging rather than in the class: Nest 12's HttpException has an
// optional `errorCode` and Nest 11's has none, and a class member would need
// `override` for one and refuse it for the other. Each subclass sets it.
export interface TenancyError {
  /** Stable machine-readable code, for example `TENANT_NOT_FOUND` (also the body's `error`). */
  readonly errorCode: string;
}
