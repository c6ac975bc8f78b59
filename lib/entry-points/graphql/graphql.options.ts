import { TenancyConfigError } from '../../errors/tenancy-config.error';

/** Options of `graphqlEntryPoint`. */
export interface GraphqlTenancyOptions {
  /**
   * Whether operations received over WebSocket (graphql-ws subscriptions, and
   * queries or mutations sent over the socket) read the tenant from the
   * connection parameters the client sent in `connection_init`. When `false`,
   * they resolve from the HTTP upgrade request alone (its headers, host and
   * path), as for clients that can set headers on the upgrade.
   * Default: `true`.
   */
  connectionParams?: boolean;
}

/** @internal */
export interface ResolvedGraphqlTenancyOptions {
  connectionParams: boolean;
}

/** Defaults merged and checked once, when the factory is called. @internal */
export function resolveGraphqlOptions(options: GraphqlTenancyOptions = {}): ResolvedGraphqlTenancyOptions {
  const { connectionParams = true } = options;
  if (typeof connectionParams !== 'boolean')
    throw new TenancyConfigError('graphqlEntryPoint.connectionParams', 'expected a boolean');
  return { connectionParams };
}
