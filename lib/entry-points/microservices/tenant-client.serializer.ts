import { currentTenantId } from '../../context/current-tenant-id';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { resolveMicroserviceOptions } from './microservice.options';
import { lookupKey } from './rpc-message-metadata';

/** The transports whose `ClientProxy` takes a serializer that can carry the tenant. */
export type TenantClientTransport = 'tcp' | 'redis' | 'nats' | 'rmq' | 'kafka';

/** A `ClientProxy` serializer, as `ClientOptions.options.serializer` takes it. */
export interface ClientSerializer {
  serialize(value: unknown, options?: unknown): unknown;
}

/** Options of `TenantClientSerializer`. */
export interface TenantClientSerializerOptions {
  /** The header (metadata key) to write. Default: `x-tenant-id`, as `microserviceEntryPoint` reads. */
  header?: string;
  /** The serializer whose output gets the tenant. Default: the transport's own default serializer. */
  serializer?: ClientSerializer;
  /**
   * TCP and Redis only: also write the tenant id into this field of object
   * payloads (unless they have it), for receivers on Nest 11, whose TCP and
   * Redis servers drop the packet's `metadata`. The receiver reads it with
   * the same `payloadField`. Default: none (the payload is never changed).
   */
  payloadField?: string;
}

type Table = Record<string, unknown> | undefined;
type NatsHeaders = { keys(): string[]; values(key: string): string[]; append(key: string, value: string): void };

const TRANSPORTS: readonly TenantClientTransport[] = ['tcp', 'redis', 'nats', 'rmq', 'kafka'];

// Nest's own defaults (ClientRMQ, ClientNats, ClientKafka; TCP and Redis send the packet as it is).
const DEFAULT_SERIALIZERS: Partial<Record<TenantClientTransport, string>> = {
  rmq: 'RmqRecordSerializer',
  nats: 'NatsRecordSerializer',
  kafka: 'KafkaRequestSerializer',
};

function defaultSerializer(transport: TenantClientTransport): ClientSerializer {
  const name = DEFAULT_SERIALIZERS[transport];
  if (!name) return { serialize: (packet) => packet };
  // Not exported from the package's root; the folder index is, on Nest 11 and 12.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const serializers = require('@nestjs/microservices/serializers/index') as Record<string, new () => ClientSerializer>;
  return new serializers[name]();
}

// nats 2 (Nest 11) or @nats-io/transport-node 3 (Nest 12), whichever the client itself loaded.
function newNatsHeaders(): NatsHeaders {
  for (const name of ['@nats-io/transport-node', 'nats']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require(name) as { headers(): NatsHeaders }).headers();
    } catch {
      // try the next one
    }
  }
  throw new Error('nestjs-prisma-tenancy: neither @nats-io/transport-node nor nats could be loaded');
}

/**
 * A `ClientProxy` serializer that adds the current tenant's id to every
 * message and event the client sends from inside a tenant, as the header
 * `microserviceEntryPoint` reads: RabbitMQ and NATS headers, Kafka headers,
 * and the `metadata` of Nest's packet on TCP and Redis. It wraps the
 * transport's default serializer (or yours), so `RmqRecord`, `NatsRecord` and
 * Kafka messages keep working; a header they set is never overwritten, and
 * nothing they hold is modified (a record reused for another tenant stays as
 * it was). Outside a tenant, messages go out untouched.
 *
 * The tenant is the one current when Nest serializes the message: when
 * `emit()` is called, and when the Observable of `send()` is subscribed.
 * `propagateTenant` sets it for you; use this class directly with
 * `ClientProxyFactory` or a client you build yourself.
 */
export class TenantClientSerializer implements ClientSerializer {
  private readonly header: string;
  private readonly payloadField: string | undefined;
  private readonly inner: ClientSerializer;

  constructor(
    private readonly transport: TenantClientTransport,
    options: TenantClientSerializerOptions = {},
  ) {
    if (!TRANSPORTS.includes(transport))
      throw new TenancyConfigError('TenantClientSerializer.transport', `expected one of ${TRANSPORTS.join(', ')}`);
    ({ header: this.header, payloadField: this.payloadField } = resolveMicroserviceOptions(
      options,
      'TenantClientSerializer',
    ));
    if (this.payloadField !== undefined && transport !== 'tcp' && transport !== 'redis')
      throw new TenancyConfigError('TenantClientSerializer.payloadField', 'only TCP and Redis clients write it');
    this.inner = options.serializer ?? defaultSerializer(transport);
  }

  /** ClientNats calls it once when connecting; passed on to the wrapped serializer. */
  init(): unknown {
    return (this.inner as { init?: () => unknown }).init?.();
  }

  serialize(value: unknown, options?: unknown): unknown {
    // Read before the wrapped serializer runs, in the caller's own context.
    const tenantId = currentTenantId();
    const out = this.inner.serialize(value, options);
    if (tenantId === undefined) return out;
    return out instanceof Promise ? out.then((o) => this.withTenant(o, tenantId)) : this.withTenant(out, tenantId);
  }

  private withTenant(out: unknown, tenantId: string): unknown {
    const packet = (out ?? {}) as Record<string, unknown>;
    switch (this.transport) {
      case 'rmq': {
        const options = (packet.options ?? {}) as Record<string, unknown>;
        return { ...packet, options: { ...options, headers: this.table(options.headers as Table, tenantId) } };
      }
      case 'kafka':
        return { ...packet, headers: this.table(packet.headers as Table, tenantId) };
      case 'nats':
        return { ...packet, headers: this.natsHeaders(packet.headers as NatsHeaders | undefined, tenantId) };
      default:
        return {
          ...packet,
          data: this.payload(packet.data, tenantId),
          metadata: this.table(packet.metadata as Table, tenantId),
        };
    }
  }

  private payload(data: unknown, tenantId: string): unknown {
    const field = this.payloadField;
    if (field === undefined || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
    return Object.prototype.hasOwnProperty.call(data, field) ? data : { ...data, [field]: tenantId };
  }

  private table(table: Table, tenantId: string): Table {
    return lookupKey(table, this.header).found ? table : { ...table, [this.header]: tenantId };
  }

  // A copy: the record's headers may be reused by the app for another message.
  private natsHeaders(headers: NatsHeaders | undefined, tenantId: string): NatsHeaders {
    const keys = headers?.keys() ?? [];
    if (keys.some((key) => key.toLowerCase() === this.header)) return headers!;
    const copy = newNatsHeaders();
    for (const key of keys) for (const value of headers!.values(key)) copy.append(key, value);
    copy.append(this.header, tenantId);
    return copy;
  }
}
