import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import {
  ClientGrpcProxy,
  ClientKafka,
  ClientNats,
  ClientRedis,
  ClientRMQ,
  ClientTCP,
  KafkaContext,
  KafkaParser,
  MqttContext,
  NatsContext,
  RedisContext,
  RmqContext,
  RpcException,
  TcpContext,
  Transport,
} from '@nestjs/microservices';
import { KafkaRequestSerializer, RmqRecordSerializer } from '@nestjs/microservices/serializers/index';
import { RmqRecordBuilder } from '@nestjs/microservices';
import { ClsServiceManager } from 'nestjs-cls';
import {
  InvalidTenantIdError,
  microserviceEntryPoint,
  propagateTenant,
  TenancyConfigError,
  TenantClientSerializer,
  TenantInactiveError,
  TenantNotFoundError,
  type TenantResolution,
} from '../../../lib';
import { CLS_TENANT } from '../../../lib/tenancy.internal-constants';
import { installed, NATS_PACKAGE } from './nest-version';

const resolution = {} as TenantResolution;

/** An rpc ExecutionContext as Nest builds one for a handler: `[data, transportContext]`. */
function rpcContext(data: unknown, transportContext: unknown) {
  const context = new ExecutionContextHost([data, transportContext]);
  context.setType('rpc');
  return context;
}

function resolve(
  transportContext: unknown,
  data: unknown = {},
  options?: Parameters<typeof microserviceEntryPoint>[0],
) {
  return microserviceEntryPoint(options).resolveTenantId(rpcContext(data, transportContext), resolution);
}

/** A Kafka message as kafkajs delivers it, through Nest's own parser, in Nest's own context. */
function kafkaContext(headers: Record<string, Buffer | Buffer[] | string | undefined>): KafkaContext {
  const message = new KafkaParser().parse({ key: null, value: Buffer.from('{"a":1}'), headers, offset: '0' });
  return new KafkaContext([message, 0, 'orders', {} as never, (async () => undefined) as never, {} as never]);
}

/** Runs `fn` inside a CLS context whose tenant is `tenantId`, as TenantContext leaves it. */
function asTenant<T>(tenantId: string | undefined, fn: () => T): T {
  const cls = ClsServiceManager.getClsService();
  return cls.run(() => {
    if (tenantId) cls.set(CLS_TENANT, { id: tenantId, status: 'active' });
    return fn();
  });
}

describe('microserviceEntryPoint: reading the tenant from each transport context', () => {
  describe('Kafka (no broker here: Nest KafkaContext and KafkaParser on kafkajs-shaped messages)', () => {
    it('reads a header kafkajs delivers as a Buffer', () => {
      expect(resolve(kafkaContext({ 'x-tenant-id': Buffer.from('acme') }))).toBe('acme');
    });

    it('matches the header name without regard to case', () => {
      expect(resolve(kafkaContext({ 'X-Tenant-ID': Buffer.from('acme') }))).toBe('acme');
    });

    it('names no tenant without the header (the guard then answers TENANT_REQUIRED)', () => {
      expect(resolve(kafkaContext({ other: Buffer.from('x') }))).toBeUndefined();
    });

    it('refuses an empty header rather than falling through to the payload field', () => {
      expect(() =>
        resolve(kafkaContext({ 'x-tenant-id': Buffer.from('') }), { tenantId: 'acme' }, { payloadField: 'tenantId' }),
      ).toThrow(InvalidTenantIdError);
    });

    it('refuses a header kafkajs delivers with a null value', () => {
      expect(() => resolve(kafkaContext({ 'x-tenant-id': undefined }))).toThrow(InvalidTenantIdError);
    });

    it('reads a header kept binary, and refuses two spellings of it', () => {
      const message = { headers: { 'x-tenant-id': Buffer.from('acme') } };
      expect(resolve(new KafkaContext([message as never, 0, 't', {} as never, null as never, null as never]))).toBe(
        'acme',
      );
      expect(() =>
        resolve(kafkaContext({ 'x-tenant-id': Buffer.from('acme'), 'X-TENANT-ID': Buffer.from('globex') })),
      ).toThrow(InvalidTenantIdError);
    });

    it('passes a repeated header as one string, which the lookup refuses as malformed', () => {
      // Nest's parser joins kafkajs' array of Buffers into "acme,globex"; no tenant id has a comma.
      expect(resolve(kafkaContext({ 'x-tenant-id': [Buffer.from('acme'), Buffer.from('globex')] }))).toBe(
        'acme,globex',
      );
    });
  });

  it('MQTT 5: user properties of the packet (MqttContext)', () => {
    const packet = { properties: { userProperties: { 'x-tenant-id': 'acme' } } };
    expect(resolve(new MqttContext(['topic', packet as never]))).toBe('acme');
    expect(resolve(new MqttContext(['topic', {} as never]))).toBeUndefined();
    const twice = { properties: { userProperties: { 'x-tenant-id': ['acme', 'globex'] } } };
    expect(() => resolve(new MqttContext(['topic', twice as never]))).toThrow(InvalidTenantIdError);
  });

  it('RabbitMQ, NATS, TCP, Redis and gRPC contexts without the entry: no tenant', () => {
    expect(resolve(new RmqContext([{ properties: { headers: {} } }, {}, 'p']))).toBeUndefined();
    expect(resolve(new RmqContext([{ properties: {} }, {}, 'p']))).toBeUndefined();
    expect(resolve(new NatsContext(['subject', undefined]))).toBeUndefined();
    expect(resolve(new TcpContext([{} as never, 'p']))).toBeUndefined();
    expect(resolve(new RedisContext(['channel']))).toBeUndefined();
    expect(resolve(new Metadata())).toBeUndefined();
  });

  it('uses the configured header name', () => {
    const metadata = new Metadata();
    metadata.set('x-org', 'acme');
    expect(resolve(metadata, {}, { header: 'X-Org' })).toBe('acme');
    expect(resolve(metadata)).toBeUndefined();
  });

  it('reads no payload field unless configured, and only from object payloads', () => {
    expect(resolve(undefined, { tenantId: 'acme' })).toBeUndefined();
    expect(resolve(undefined, { tenantId: 'acme' }, { payloadField: 'tenantId' })).toBe('acme');
    expect(resolve(undefined, 'tenantId', { payloadField: 'tenantId' })).toBeUndefined();
    expect(resolve(undefined, [{ tenantId: 'acme' }], { payloadField: 'tenantId' })).toBeUndefined();
  });

  it.each([
    ['an empty header', { header: '' }, 'microserviceEntryPoint.header'],
    ['a header that is not a string', { header: 3 }, 'microserviceEntryPoint.header'],
    ['an empty payload field', { payloadField: '' }, 'microserviceEntryPoint.payloadField'],
  ])('refuses %s at boot with TenancyConfigError', (_label, options, field) => {
    expect(() => microserviceEntryPoint(options as never)).toThrow(expect.objectContaining({ field }));
    expect(() => microserviceEntryPoint(options as never)).toThrow(TenancyConfigError);
  });
});

describe('microserviceEntryPoint: refusals as RpcException', () => {
  const entry = microserviceEntryPoint();

  it('carries the code, status and message of the package error', () => {
    const error = entry.toTransportError!(new TenantNotFoundError('acme'), rpcContext({}, undefined));
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({
      error: 'TENANT_NOT_FOUND',
      statusCode: 404,
      message: 'Tenant "acme" was not found.',
    });
  });

  it('on gRPC, also a gRPC status and the code in the trailers', () => {
    const error = entry.toTransportError!(new TenantInactiveError('acme', 'suspended'), rpcContext({}, new Metadata()));
    const body = (error as RpcException).getError() as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'TENANT_INACTIVE', statusCode: 403, code: 7 });
    expect(body.details).toBe(body.message);
    expect((body.metadata as Metadata).get('x-tenancy-error')).toEqual(['TENANT_INACTIVE']);
  });
});

describe('TenantClientSerializer', () => {
  it('Kafka: adds the header to what Nest serializer produces, in a new object', () => {
    const serializer = new TenantClientSerializer('kafka');
    const message = { key: 'k', value: { a: 1 }, headers: { trace: 'x' } };
    const out = asTenant('acme', () => serializer.serialize(message, { pattern: 'orders' })) as Record<string, unknown>;
    expect(out).toMatchObject({ key: 'k', value: '{"a":1}', headers: { trace: 'x', 'x-tenant-id': 'acme' } });
    expect(message.headers).toEqual({ trace: 'x' });
    expect(out).toEqual(new KafkaRequestSerializer().serialize({ ...message, headers: out.headers }));
  });

  it('Kafka: keeps a tenant header the message sets itself', () => {
    const serializer = new TenantClientSerializer('kafka');
    const out = asTenant('acme', () => serializer.serialize({ value: 'v', headers: { 'X-Tenant-Id': 'globex' } }));
    expect((out as { headers: object }).headers).toEqual({ 'X-Tenant-Id': 'globex' });
  });

  it('RabbitMQ: leaves a reused RmqRecord as it was, so the next tenant does not inherit the header', () => {
    const serializer = new TenantClientSerializer('rmq');
    const record = new RmqRecordBuilder({ n: 1 }).setOptions({ headers: { trace: 'x' }, priority: 2 }).build();
    const first = asTenant('acme', () => serializer.serialize({ pattern: 'p', data: record })) as Record<string, any>;
    const second = asTenant('globex', () => serializer.serialize({ pattern: 'p', data: record })) as Record<
      string,
      any
    >;
    expect(first.options).toEqual({ headers: { trace: 'x', 'x-tenant-id': 'acme' }, priority: 2 });
    expect(second.options).toEqual({ headers: { trace: 'x', 'x-tenant-id': 'globex' }, priority: 2 });
    expect(record.options).toEqual({ headers: { trace: 'x' }, priority: 2 });
  });

  it('outside a tenant: exactly what the wrapped serializer produces', () => {
    const packet = { pattern: 'p', data: { n: 1 } };
    expect(new TenantClientSerializer('rmq').serialize(packet)).toEqual(new RmqRecordSerializer().serialize(packet));
    expect(new TenantClientSerializer('tcp').serialize(packet)).toBe(packet);
  });

  it('TCP and Redis: the metadata of the packet, keeping metadata already there', () => {
    const serializer = new TenantClientSerializer('redis');
    const out = asTenant('acme', () => serializer.serialize({ pattern: 'p', data: 1, metadata: { trace: 'x' } }));
    expect(out).toEqual({ pattern: 'p', data: 1, metadata: { trace: 'x', 'x-tenant-id': 'acme' } });
  });

  it('wraps a serializer of the app, including an asynchronous one', async () => {
    const inner = { serialize: async (value: unknown) => ({ value, headers: {} }) };
    const serializer = new TenantClientSerializer('kafka', { serializer: inner, header: 'x-org' });
    const out = await asTenant('acme', () => serializer.serialize('v'));
    expect(out).toEqual({ value: 'v', headers: { 'x-org': 'acme' } });
  });

  it('TCP and Redis with payloadField: also the field of object payloads, in a new object', () => {
    const serializer = new TenantClientSerializer('tcp', { payloadField: 'tenantId' });
    const data = { n: 1 };
    const out = asTenant('acme', () => serializer.serialize({ pattern: 'p', data })) as Record<string, unknown>;
    expect(out.data).toEqual({ n: 1, tenantId: 'acme' });
    expect(data).toEqual({ n: 1 });
    const own = asTenant('acme', () => serializer.serialize({ pattern: 'p', data: { tenantId: 'globex' } }));
    expect((own as { data: unknown }).data).toEqual({ tenantId: 'globex' });
    for (const other of ['text', 3, [1]])
      expect(
        (asTenant('acme', () => serializer.serialize({ pattern: 'p', data: other })) as { data: unknown }).data,
      ).toBe(other);
    expect(() => new TenantClientSerializer('rmq', { payloadField: 'tenantId' })).toThrow(TenancyConfigError);
  });

  it('refuses a transport it cannot serve', () => {
    expect(() => new TenantClientSerializer('mqtt' as never)).toThrow(TenancyConfigError);
  });
});

describe('propagateTenant', () => {
  it('wraps the serializer already set, and keeps every other option', () => {
    const own = { serialize: (packet: unknown) => packet };
    const client = propagateTenant({ name: 'X', transport: Transport.REDIS, options: { port: 1, serializer: own } });
    expect(client.name).toBe('X');
    expect(client.options).toMatchObject({ port: 1 });
    expect(client.options.serializer).toBeInstanceOf(TenantClientSerializer);
    expect(asTenant('acme', () => client.options.serializer.serialize({ pattern: 'p', data: 1 }))).toEqual({
      pattern: 'p',
      data: 1,
      metadata: { 'x-tenant-id': 'acme' },
    });
  });

  it("builds Nest's own client of the transport, answering in the caller's context", () => {
    for (const [transport, Base] of [
      [Transport.RMQ, ClientRMQ],
      [Transport.REDIS, ClientRedis],
      [Transport.TCP, ClientTCP],
      [Transport.GRPC, ClientGrpcProxy],
      [Transport.KAFKA, ClientKafka],
      // Nest 11's NATS serializer stops the process when its package is missing.
      ...(installed(NATS_PACKAGE) ? ([[Transport.NATS, ClientNats]] as const) : []),
    ] as const) {
      const client = propagateTenant({ transport, options: {} }) as { customClass?: new (options: object) => unknown };
      expect(client.customClass!.prototype).toBeInstanceOf(Base);
      expect(client.customClass!.name).toBe(`TenantAware${Base.name}`);
    }
  });

  it('defaults to TCP, as Nest does', () => {
    const client = propagateTenant({ options: { port: 1 } }) as { options: object };
    expect((client.options as { serializer?: unknown }).serializer).toBeInstanceOf(TenantClientSerializer);
  });

  it('appends a grpc-js interceptor on gRPC, after the app own', () => {
    const own = () => undefined;
    const client = propagateTenant({
      transport: Transport.GRPC,
      options: { package: 'p', protoPath: 'x.proto', channelOptions: { interceptors: [own], 'grpc.x': 1 } },
    }) as { options: { channelOptions: { interceptors: unknown[]; 'grpc.x': number } } };
    expect(client.options.channelOptions.interceptors).toHaveLength(2);
    expect(client.options.channelOptions.interceptors[0]).toBe(own);
    expect(client.options.channelOptions['grpc.x']).toBe(1);
  });

  it('refuses MQTT and custom transports with TenancyConfigError', () => {
    expect(() => propagateTenant({ transport: Transport.MQTT })).toThrow(TenancyConfigError);
    expect(() => propagateTenant({ customClass: class {} })).toThrow(TenancyConfigError);
    expect(() => propagateTenant({ transport: Transport.GRPC }, { payloadField: 'tenantId' })).toThrow(
      TenancyConfigError,
    );
  });
});

describe('the root entry point', () => {
  it('loads neither @nestjs/microservices nor a transport package (optional peers)', () => {
    // A process of its own: the test runner's module registry is not Node's.
    // Nest 11's own core requires @nestjs/microservices when it is installed:
    // only what the package's require adds on top of Nest's is counted.
    const script =
      "require('@nestjs/core'); const before = new Set(Object.keys(require.cache));" +
      "const root = require('./lib'); root.microserviceEntryPoint(); root.propagateTenant;" +
      'const loaded = Object.keys(require.cache).filter((f) => !before.has(f) && /node_modules[\\\\/](@nestjs[\\\\/]microservices|@grpc|@nats-io|nats|amqplib|ioredis)[\\\\/]/.test(f));' +
      'process.stdout.write(JSON.stringify(loaded));';
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: join(__dirname, '..', '..', '..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([]);
  }, 60_000);
});
