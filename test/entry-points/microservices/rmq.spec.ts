import {
  type ClientOptions,
  type ClientProxy,
  ClientProxyFactory,
  RmqRecordBuilder,
  Transport,
} from '@nestjs/microservices';
import { firstValueFrom, identity } from 'rxjs';
import {
  describeSchemaIsolation,
  describeTransport,
  header,
  type HeaderValue,
  type TransportCase,
} from './transport-suite';

const RABBITMQ_URL = process.env.TENANCY_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

function withHeader(data: object, tenant: HeaderValue): unknown {
  if ('absent' in tenant) return data;
  // Repeated: AMQP tables have unique keys, so two spellings of the name.
  const headers: Record<string, unknown> =
    'value' in tenant
      ? { 'x-tenant-id': tenant.value }
      : { 'x-tenant-id': tenant.repeated[0], 'X-Tenant-Id': tenant.repeated[1] };
  return new RmqRecordBuilder(data).setOptions({ headers: headers as Record<string, string> }).build();
}

/** RabbitMQ: the tenant in the message properties' headers. One queue per suite. */
export const rmqCase: TransportCase = {
  name: 'rmq',
  options: async (prefix) => {
    const options = { urls: [RABBITMQ_URL], queue: prefix, queueOptions: { durable: false, autoDelete: true } };
    return { server: { transport: Transport.RMQ, options }, client: { transport: Transport.RMQ, options } };
  },
  driver: async (prefix, client: ClientOptions) => {
    const proxy = ClientProxyFactory.create(client) as ClientProxy;
    await proxy.connect();
    return {
      send: (pattern, data, tenant, via, operator = identity) =>
        firstValueFrom(
          ((via as ClientProxy) ?? proxy).send(`${prefix}.${pattern}`, withHeader(data, tenant)).pipe(operator),
        ) as never,
      emit: async (pattern, data, tenant) => {
        await firstValueFrom(proxy.emit(`${prefix}.${pattern}`, withHeader(data, tenant)), { defaultValue: undefined });
      },
      close: () => proxy.close(),
    };
  },
  unusable: [
    { label: 'a list', tenant: header(['t0']) },
    { label: 'a number', tenant: header(7) },
    { label: 'two spellings', tenant: { repeated: ['t0', 't1'] } },
  ],
};

describeTransport(rmqCase);
describeSchemaIsolation(rmqCase);
