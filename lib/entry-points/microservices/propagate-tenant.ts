import { TenancyConfigError } from '../../errors/tenancy-config.error';
import {
  type ClientSerializer,
  TenantClientSerializer,
  type TenantClientSerializerOptions,
  type TenantClientTransport,
} from './tenant-client.serializer';
import { tenantAwareClientClass } from './tenant-aware.client';
import { tenantGrpcInterceptor } from './tenant-grpc.interceptor';

// Nest's `Transport` enum, by value (stable since Nest 6): TCP 0, REDIS 1,
// NATS 2, MQTT 3, GRPC 4, RMQ 5, KAFKA 6. Read by value so that this file
// imports nothing of @nestjs/microservices.
const TRANSPORT_NAMES = ['tcp', 'redis', 'nats', 'mqtt', 'grpc', 'rmq', 'kafka'] as const;

/** The shape of a `ClientsModule.register` entry or of `ClientProxyFactory.create`'s argument. */
export interface TenantClientOptionsLike {
  transport?: number;
  customClass?: unknown;
  options?: object;
}

/**
 * Returns the client options with what makes every message the client sends
 * from inside a tenant carry the tenant: a `TenantClientSerializer` wrapping
 * the serializer already set (RabbitMQ, NATS, Kafka, Redis, TCP), or a
 * `tenantGrpcInterceptor` appended to `channelOptions.interceptors` (gRPC).
 * It also sets `customClass` to Nest's own client class for the transport,
 * extended so that replies reach the caller in the caller's tenant: Nest's
 * clients read every reply on the connection's socket, in the context of
 * whichever call opened it.
 * The app's one change is wrapping each entry:
 *
 * ```ts
 * ClientsModule.register([propagateTenant({ name: 'ORDERS', transport: Transport.RMQ, options: { urls, queue } })]);
 * ```
 *
 * `options.header` names the header (default `x-tenant-id`); on TCP and Redis,
 * `options.payloadField` also writes the id into object payloads, for
 * receivers on Nest 11 (see `TenantClientSerializerOptions.payloadField`).
 * MQTT (its headers come from the `MqttRecord`, out of a serializer's reach)
 * and custom transports are refused with a `TenancyConfigError`.
 */
export function propagateTenant<T extends TenantClientOptionsLike>(
  client: T,
  options?: Pick<TenantClientSerializerOptions, 'header' | 'payloadField'>,
): T {
  if (client.customClass !== undefined)
    throw new TenancyConfigError('propagateTenant.customClass', 'custom transports are not supported');
  const transport = TRANSPORT_NAMES[client.transport ?? 0];
  const clientOptions = (client.options ?? {}) as Record<string, unknown>;
  if (transport === 'grpc') {
    if (options?.payloadField !== undefined)
      throw new TenancyConfigError('propagateTenant.payloadField', 'only TCP and Redis clients write it');
    const channelOptions = (clientOptions.channelOptions ?? {}) as Record<string, unknown>;
    const interceptors = (channelOptions.interceptors ?? []) as unknown[];
    return {
      ...client,
      options: {
        ...clientOptions,
        channelOptions: { ...channelOptions, interceptors: [...interceptors, tenantGrpcInterceptor(options)] },
      },
      customClass: tenantAwareClientClass('grpc'),
    };
  }
  if (transport === undefined || transport === 'mqtt')
    throw new TenancyConfigError(
      'propagateTenant.transport',
      `transport ${String(client.transport)} is not supported (TCP, Redis, NATS, RabbitMQ, Kafka, gRPC)`,
    );
  const serializer = new TenantClientSerializer(transport as TenantClientTransport, {
    ...options,
    serializer: clientOptions.serializer as ClientSerializer | undefined,
  });
  // customClass: the transport's own client, answering in the caller's context.
  return { ...client, customClass: tenantAwareClientClass(transport), options: { ...clientOptions, serializer } };
}
