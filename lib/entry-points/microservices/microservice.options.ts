import { TenancyConfigError } from '../../errors/tenancy-config.error';

/** Options of `microserviceEntryPoint` and of the outgoing side (`propagateTenant`). */
export interface MicroserviceTenancyOptions {
  /**
   * Name of the metadata entry carrying the tenant id, matched without regard
   * to case: a RabbitMQ, NATS, Kafka or MQTT 5 header, a gRPC metadata key, or
   * a key of the `metadata` field of Nest's packet on TCP and Redis.
   * Default: `x-tenant-id`.
   */
  header?: string;
  /**
   * A field of the message payload that may name the tenant when the message
   * carries no metadata entry: for producers that cannot set metadata (a
   * Nest 11 TCP or Redis client, a script publishing raw JSON). Read from
   * object payloads only and left in place, so the handler sees the payload
   * as it was sent. When both are present and differ, the message is refused.
   * Only read, never written: outgoing messages use metadata.
   * Default: none (payloads are never read).
   */
  payloadField?: string;
}

/** @internal */
export interface ResolvedMicroserviceTenancyOptions {
  /** Lower-cased. */
  header: string;
  payloadField: string | undefined;
}

/** Defaults merged and checked once, when the factory is called. @internal */
export function resolveMicroserviceOptions(
  options: MicroserviceTenancyOptions = {},
  where = 'microserviceEntryPoint',
): ResolvedMicroserviceTenancyOptions {
  const { header = 'x-tenant-id', payloadField } = options;
  if (typeof header !== 'string' || header.trim() === '')
    throw new TenancyConfigError(`${where}.header`, 'expected a non-empty string');
  if (payloadField !== undefined && (typeof payloadField !== 'string' || payloadField === ''))
    throw new TenancyConfigError(`${where}.payloadField`, 'expected a non-empty string');
  return { header: header.trim().toLowerCase(), payloadField };
}
