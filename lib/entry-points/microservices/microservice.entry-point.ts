import type { ExecutionContext } from '@nestjs/common';
import { InvalidTenantIdError } from '../../errors/invalid-tenant-id.error';
import type { TenancyError } from '../../errors/tenancy.error';
import type { TenantEntryPoint } from '../tenant-entry-point.interface';
import {
  type MicroserviceTenancyOptions,
  type ResolvedMicroserviceTenancyOptions,
  resolveMicroserviceOptions,
} from './microservice.options';
import { type MetadataLookup, readMessageMetadata } from './rpc-message-metadata';
import { toRpcException } from './rpc-transport-error';

/**
 * A present value must be exactly one non-empty string (a Kafka header may
 * still be a Buffer when a custom parser kept it binary). Anything else is
 * refused here rather than ignored, so an empty or repeated header can never
 * let the payload field, or nothing at all, decide the tenant.
 */
function tenantIdOf(lookup: MetadataLookup & { found: true }, source: string): string {
  const value = Buffer.isBuffer(lookup.value) ? lookup.value.toString('utf8') : lookup.value;
  if (Array.isArray(value)) throw new InvalidTenantIdError(`The message's ${source} is a list, not one value.`);
  if (typeof value !== 'string') throw new InvalidTenantIdError(`The message's ${source} is not a string.`);
  if (value === '') throw new InvalidTenantIdError(`The message's ${source} is empty.`);
  return value;
}

function payloadLookup(data: unknown, field: string | undefined): MetadataLookup {
  if (field === undefined || data === null || typeof data !== 'object' || Array.isArray(data)) return { found: false };
  return Object.prototype.hasOwnProperty.call(data, field)
    ? { found: true, value: (data as Record<string, unknown>)[field] }
    : { found: false };
}

/** Whether the call is a gRPC one: its second argument is grpc-js `Metadata`. */
function isGrpcCall(context: ExecutionContext): boolean {
  const metadata = context.getArgByIndex<Record<string, unknown> | undefined>(1);
  return typeof metadata?.getMap === 'function' && typeof metadata.set === 'function';
}

/** @internal */
export function resolveRpcTenantId(
  context: ExecutionContext,
  options: ResolvedMicroserviceTenancyOptions,
): string | undefined {
  const rpc = context.switchToRpc();
  const metadata = readMessageMetadata(rpc.getContext(), options.header);
  const payload = payloadLookup(rpc.getData(), options.payloadField);
  const fromMetadata = metadata.found ? tenantIdOf(metadata, `"${options.header}" header`) : undefined;
  const fromPayload = payload.found ? tenantIdOf(payload, `"${options.payloadField}" field`) : undefined;
  if (fromMetadata !== undefined && fromPayload !== undefined && fromMetadata !== fromPayload)
    throw new InvalidTenantIdError('The message names one tenant in its metadata and another in its payload.');
  return fromMetadata ?? fromPayload;
}

/**
 * The entry point of `@MessagePattern` and `@EventPattern` handlers on every
 * Nest transport (context type `'rpc'`). The tenant id travels in the
 * message's metadata under `header` (`x-tenant-id`): RabbitMQ, NATS, Kafka
 * and MQTT 5 headers, gRPC metadata, and on TCP and Redis the `metadata`
 * field of Nest's packet envelope, `{ pattern, data, id, metadata }`, which
 * Nest 12 hands the handler as `TcpContext`/`RedisContext#getMetadata()`.
 * Optionally a `payloadField` of the payload, for producers that cannot set
 * metadata. `propagateTenant` makes a `ClientProxy` send it.
 *
 * Refused messages (no tenant, malformed, unknown, inactive) never reach the
 * handler: the sender of a request receives an `RpcException` whose error is
 * `{ error: code, statusCode, message }` (on gRPC also a status code and the
 * code in the trailers under `x-tenancy-error`); an event's refusal is logged
 * by Nest. Part of the defaults; pass it to `entryPoints` to change options:
 *
 * ```ts
 * TenancyModule.forRoot({ ...options, entryPoints: [microserviceEntryPoint({ header: 'tenant' })] });
 * ```
 */
export function microserviceEntryPoint(options?: MicroserviceTenancyOptions): TenantEntryPoint {
  const resolved = resolveMicroserviceOptions(options);
  return {
    type: 'rpc',
    resolveTenantId: (context) => resolveRpcTenantId(context, resolved),
    toTransportError: (error: TenancyError, context: ExecutionContext) => toRpcException(error, isGrpcCall(context)),
  };
}
