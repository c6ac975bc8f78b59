import type { ExecutionContext } from '@nestjs/common';
import { ContextClsStoreMap } from 'nestjs-cls';
import { MissingTenantError } from '../../errors/missing-tenant.error';
import type { TenancyError } from '../../errors/tenancy.error';
import { toTenancyRequest } from '../../resolvers/tenancy-request.factory';
import type { TenantResolution } from '../../resolvers/tenant-resolution.service';
import type { TenantEntryPoint } from '../tenant-entry-point.interface';
import { connectionRequest, graphqlOrigin } from './graphql-operation';
import { type GraphqlTenancyOptions, resolveGraphqlOptions } from './graphql.options';
import { toGraphqlError } from './graphql-transport-error';

/** @internal */
export function resolveGraphqlTenantId(
  context: ExecutionContext,
  resolution: TenantResolution,
  withParams: boolean,
): Promise<string | undefined> {
  const origin = graphqlOrigin(context.getArgByIndex(2));
  switch (origin.transport) {
    case 'http':
      return resolution.resolveRequest(toTenancyRequest(origin.request));
    case 'ws':
      return resolution.resolveRequest(connectionRequest(origin, withParams));
    case 'none':
      // A wiring problem (a `context` that drops `req`), refused rather than run without a tenant.
      throw new MissingTenantError(
        'This GraphQL operation needs a tenant, and its context holds no request or connection to read it from.',
      );
  }
}

/**
 * The CLS store of the HTTP request a GraphQL operation came in on (the one
 * `TenantContextMiddleware` or nestjs-cls's middleware runs the request in):
 * the operation's tenant is set in it, so field resolvers and everything else
 * the request runs see it, as on an HTTP route.
 * @internal
 */
export function graphqlRequestStore(context: ExecutionContext): object | undefined {
  const origin = graphqlOrigin(context.getArgByIndex(2));
  if (origin.transport !== 'http') return undefined;
  const request = origin.request as { raw?: object };
  return ContextClsStoreMap.getByRaw(request.raw ?? request) as object | undefined;
}

/**
 * The entry point of GraphQL resolvers (`@nestjs/graphql`, context type
 * `'graphql'`), on the Apollo driver (Express or Fastify) and on Mercurius.
 *
 * Queries and mutations over HTTP resolve with the module's configured
 * `resolvers` from the HTTP request, exactly as an HTTP route would.
 * Operations over WebSocket (graphql-ws subscriptions) resolve with the same
 * resolvers from the connection parameters: `{ headers: { 'x-tenant-id':
 * 'acme' } }` or `{ 'x-tenant-id': 'acme' }`, over the upgrade request's own
 * headers, host and path (see docs/graphql.md for the driver options that
 * make them reach the resolvers).
 *
 * Refused operations (no tenant, malformed, unknown, inactive) never reach
 * the resolver: the client gets a GraphQL error with `extensions.code` (the
 * HTTP body's `error`, e.g. `TENANT_NOT_FOUND`) and `extensions.statusCode`.
 * Part of the defaults; pass it to `entryPoints` to change options:
 *
 * ```ts
 * TenancyModule.forRoot({ ...options, entryPoints: [graphqlEntryPoint({ connectionParams: false })] });
 * ```
 */
export function graphqlEntryPoint(options?: GraphqlTenancyOptions): TenantEntryPoint {
  const resolved = resolveGraphqlOptions(options);
  return {
    type: 'graphql',
    resolveTenantId: (context, resolution) => resolveGraphqlTenantId(context, resolution, resolved.connectionParams),
    toTransportError: (error: TenancyError) => toGraphqlError(error),
    callStore: graphqlRequestStore,
  };
}
