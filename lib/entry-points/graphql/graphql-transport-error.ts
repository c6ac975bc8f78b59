import type { TenancyError } from '../../errors/tenancy.error';

/** The `extensions` of the GraphQL error a refused operation gets. */
export interface GraphqlTenancyErrorExtensions {
  /** The package's stable code, the `error` of the HTTP body: `TENANT_NOT_FOUND`, `TENANT_ID_INVALID`... */
  code: string;
  /** The HTTP status the same refusal gets on an HTTP route. */
  statusCode: number;
}

/**
 * The `GraphQLError` for a refused operation: `extensions.code` is the
 * package's code and `extensions.statusCode` the HTTP status, which both
 * drivers send as they are (Apollo's `formatError` of Nest turns an
 * `HttpException` into `BAD_REQUEST` or `INTERNAL_SERVER_ERROR` and leaves a
 * `GraphQLError` alone). `graphql` is required here, when a refusal happens:
 * it is installed wherever a GraphQL operation runs, and the package loads
 * without it.
 *
 * The stack is cut to its first line: a refusal is the client's mistake, not
 * the server's, and Apollo sends `originalError.stack` to clients as
 * `extensions.stacktrace` outside production.
 * @internal
 */
export function toGraphqlError(error: TenancyError): Error {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GraphQLError } = require('graphql') as typeof import('graphql');
  const extensions: GraphqlTenancyErrorExtensions = error.extensions;
  const refusal = new GraphQLError(error.message, { extensions: { ...extensions } });
  refusal.stack = `${refusal.name}: ${refusal.message}`;
  return refusal;
}
