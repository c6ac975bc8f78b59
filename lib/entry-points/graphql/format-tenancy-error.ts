import { TenancyError } from '../../errors/tenancy.error';

/** The fields of a formatted GraphQL error (graphql's `GraphQLFormattedError`) this function reads and writes. */
export interface GraphqlFormattedErrorLike {
  readonly message: string;
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  readonly path?: readonly (string | number)[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

// The error a resolver threw, under the GraphQLError graphql-js wrapped it in
// (`originalError`), or under a `cause`; a few levels at most.
function tenancyErrorIn(error: unknown): TenancyError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof TenancyError) return current;
    const next = current as { originalError?: unknown; cause?: unknown };
    current = next.originalError ?? next.cause;
  }
  return undefined;
}

/**
 * Apollo's `formatError` for errors the package throws inside a resolver
 * (after the guard let the operation in): `TenantUnavailableError` when a
 * tenant's database is down, `MissingTenantError` from a query run outside
 * a tenant, `TenantContext.run` refusing an id. Nest's Apollo driver turns
 * every `HttpException` into `BAD_REQUEST` or `INTERNAL_SERVER_ERROR`; this
 * gives them `extensions: { code, statusCode }`, as the guard's refusals
 * have. Other errors are returned as they came.
 *
 * ```ts
 * GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, formatError: formatTenancyError });
 * ```
 *
 * Mercurius needs nothing: it sends the `extensions` every `TenancyError` carries.
 */
export function formatTenancyError(formatted: GraphqlFormattedErrorLike, error: unknown): GraphqlFormattedErrorLike {
  const tenancy = tenancyErrorIn(error);
  if (!tenancy) return formatted;
  // A plain object: `formatted` may be a GraphQLError, whose `message` a spread would drop.
  return {
    message: formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { ...tenancy.extensions },
  };
}
