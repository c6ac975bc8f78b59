import type { IncomingMessage } from 'node:http';
import { InvalidTenantIdError } from '../../errors/invalid-tenant-id.error';
import { toTenancyRequest } from '../../resolvers/tenancy-request.factory';
import type { TenantResolution } from '../../resolvers/tenant-resolution.service';
import type { ResolvedWebSocketTenancyOptions } from './websocket.options';

function queryValue(request: IncomingMessage, param: string): string | undefined {
  let values: string[];
  try {
    values = new URL(request.url ?? '/', 'http://handshake.invalid').searchParams.getAll(param);
  } catch {
    return undefined;
  }
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidTenantIdError(`The "${param}" query parameter is given more than once.`);
  if (values[0] === '') throw new InvalidTenantIdError(`The "${param}" query parameter is empty.`);
  return values[0];
}

function authValue(auth: unknown, field: string): string | undefined {
  if (auth === null || typeof auth !== 'object' || !Object.prototype.hasOwnProperty.call(auth, field)) return undefined;
  const value = (auth as Record<string, unknown>)[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidTenantIdError(`The auth payload's "${field}" is not a string.`);
  if (value === '') throw new InvalidTenantIdError(`The auth payload's "${field}" is empty.`);
  return value;
}

/**
 * The raw tenant id a handshake names, or `undefined`: the module's resolvers
 * on the handshake request (headers, host, path), then the query parameter
 * and the socket.io auth field when configured. A present but unusable value
 * throws `InvalidTenantIdError` (never falls through to the next source), and
 * so do two sources naming different tenants: no source can override another.
 * @internal
 */
export async function handshakeTenantId(
  resolution: TenantResolution,
  request: IncomingMessage,
  auth: unknown,
  options: ResolvedWebSocketTenancyOptions,
): Promise<string | undefined> {
  const found = [
    await resolution.resolveRequest(toTenancyRequest(request)),
    options.queryParam === undefined ? undefined : queryValue(request, options.queryParam),
    options.authField === undefined ? undefined : authValue(auth, options.authField),
  ].filter((id): id is string => id !== undefined);
  if (new Set(found).size > 1) throw new InvalidTenantIdError('The handshake names more than one tenant.');
  return found[0];
}
