// Reads one metadata entry of an incoming message from the context object Nest
// hands a microservice handler (`switchToRpc().getContext()`). The context
// classes are recognised by their methods rather than with `instanceof`, so
// nothing of @nestjs/microservices is loaded here, and Nest 11's and 12's
// classes (or two copies of the package) are all understood.

/** What a message's metadata holds under a name: nothing, or one raw value to be checked. */
export type MetadataLookup = { found: false } | { found: true; value: unknown };

const NOT_FOUND: MetadataLookup = { found: false };

/** A key of an object, matched without regard to case; two spellings of the name are two values. @internal */
export function lookupKey(table: unknown, name: string): MetadataLookup {
  if (table === null || typeof table !== 'object') return NOT_FOUND;
  const keys = Object.keys(table).filter((key) => key.toLowerCase() === name);
  if (keys.length === 0) return NOT_FOUND;
  const record = table as Record<string, unknown>;
  return { found: true, value: keys.length === 1 ? record[keys[0]] : keys.map((key) => record[key]) };
}

type Methods = Record<string, unknown>;

function has(target: Methods, ...methods: string[]): boolean {
  return methods.every((method) => typeof target[method] === 'function');
}

function call(target: Methods, method: string): unknown {
  return (target[method] as () => unknown).call(target);
}

// gRPC's `Metadata` (the handler's second argument): keys are lower-case, and
// `get` always returns a list, one element per occurrence.
function grpcValue(metadata: Methods, name: string): MetadataLookup {
  const values = (metadata.get as (key: string) => unknown[]).call(metadata, name);
  if (!Array.isArray(values) || values.length === 0) return NOT_FOUND;
  return { found: true, value: values.length === 1 ? values[0] : values };
}

// NATS `MsgHdrs` (nats 2 and @nats-io 3): header names are case-sensitive
// there, and a name may repeat; every value under every spelling is collected.
function natsValue(headers: unknown, name: string): MetadataLookup {
  if (headers === null || typeof headers !== 'object' || !has(headers as Methods, 'keys', 'values')) return NOT_FOUND;
  const hdrs = headers as { keys(): string[]; values(key: string): string[] };
  const values = hdrs
    .keys()
    .filter((key) => key.toLowerCase() === name)
    .flatMap((key) => hdrs.values(key));
  if (values.length === 0) return NOT_FOUND;
  return { found: true, value: values.length === 1 ? values[0] : values };
}

/**
 * The entry `name` (lower case) of the message metadata behind `rpcContext`:
 * gRPC `Metadata`; `NatsContext` headers; `RmqContext` message properties'
 * headers; `KafkaContext` message headers; `MqttContext` MQTT 5 user
 * properties; `TcpContext` and `RedisContext` packet metadata (Nest 12).
 * Anything else carries no metadata. @internal
 */
export function readMessageMetadata(rpcContext: unknown, name: string): MetadataLookup {
  if (rpcContext === null || typeof rpcContext !== 'object') return NOT_FOUND;
  const ctx = rpcContext as Methods;
  if (has(ctx, 'getMap', 'get', 'set')) return grpcValue(ctx, name);
  if (has(ctx, 'getHeaders', 'getSubject')) return natsValue(call(ctx, 'getHeaders'), name);
  if (has(ctx, 'getMessage', 'getChannelRef')) {
    const message = call(ctx, 'getMessage') as { properties?: { headers?: unknown } } | undefined;
    return lookupKey(message?.properties?.headers, name);
  }
  if (has(ctx, 'getMessage', 'getPartition')) {
    const message = call(ctx, 'getMessage') as { headers?: unknown } | undefined;
    return lookupKey(message?.headers, name);
  }
  if (has(ctx, 'getPacket', 'getTopic')) {
    const packet = call(ctx, 'getPacket') as { properties?: { userProperties?: unknown } } | undefined;
    return lookupKey(packet?.properties?.userProperties, name);
  }
  if (has(ctx, 'getMetadata')) return lookupKey(call(ctx, 'getMetadata'), name);
  return NOT_FOUND;
}
