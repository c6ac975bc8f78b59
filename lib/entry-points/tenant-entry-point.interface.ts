import type { ExecutionContext } from '@nestjs/common';
import type { TenancyError } from '../errors/tenancy.error';
import type { TenantResolution } from '../resolvers/tenant-resolution.service';

/**
 * How `TenantGuard` finds the tenant of a call that is not a plain HTTP
 * request: a GraphQL operation, a WebSocket message, a microservice message.
 * One entry point per Nest context type (`ExecutionContext.getType()`).
 *
 * The guard does the rest exactly as for HTTP: `@SkipTenant()`, validation
 * and lookup through `TenantCache.getActive` (malformed, unknown, inactive),
 * a CLS context of the call's own with the tenant in it (the handler runs in
 * it, whatever guards ran before), and `MissingTenantError` when the call
 * names no tenant. An entry point only extracts the raw id, and turns the
 * package's errors into what its transport sends back.
 */
export interface TenantEntryPoint {
  /** The context type served: `'graphql'`, `'ws'` or `'rpc'` (`'http'` is the guard's own). */
  readonly type: string;
  /**
   * The raw tenant id the call names, or `undefined` when it names none.
   * Present but unusable (empty, repeated, not a string): throw
   * `InvalidTenantIdError`, never fall through to another source.
   * `resolution` applies the module's configured resolvers to a
   * request-shaped object (`resolution.resolveRequest(...)`).
   */
  resolveTenantId(
    context: ExecutionContext,
    resolution: TenantResolution,
  ): string | undefined | Promise<string | undefined>;
  /**
   * What the transport should receive for a refused call (an `RpcException`,
   * a `WsException`, a `GraphQLError`...), carrying `error.errorCode`.
   * Default: the `TenancyError` itself.
   */
  toTransportError?(error: TenancyError, context: ExecutionContext): unknown;
  /**
   * The CLS store the call should run in when its transport already runs it
   * inside one of its own (a GraphQL query inside its HTTP request's store),
   * so that the tenant reaches all of that work and not only the handler.
   * Default: a fresh store per call.
   */
  callStore?(context: ExecutionContext): object | undefined;
}
