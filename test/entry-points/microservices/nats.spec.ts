import { type ClientProxy, ClientProxyFactory, NatsRecordBuilder, Transport } from '@nestjs/microservices';
import { firstValueFrom, identity } from 'rxjs';
import { describeSchemaIsolation, describeTransport, type HeaderValue, type TransportCase } from './transport-suite';
import { installed, NATS_PACKAGE } from './nest-version';

function natsHeaders(): { append(key: string, value: string): void } {
  return (require(NATS_PACKAGE) as { headers(): { append(key: string, value: string): void } }).headers();
}

const NATS_URL = process.env.TENANCY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

function withHeader(data: object, tenant: HeaderValue): unknown {
  if ('absent' in tenant) return data;
  const headers = natsHeaders();
  for (const value of 'value' in tenant ? [tenant.value] : tenant.repeated)
    headers.append('x-tenant-id', String(value));
  return new NatsRecordBuilder(data).setHeaders(headers).build();
}

/** NATS: the tenant in the message headers. Subjects under a prefix unique per suite. */
export const natsCase: TransportCase = {
  name: 'nats',
  options: async () => {
    const options = { servers: [NATS_URL] };
    return { server: { transport: Transport.NATS, options }, client: { transport: Transport.NATS, options } };
  },
  driver: async (prefix, client) => {
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
  unusable: [{ label: 'a repeated header', tenant: { repeated: ['t0', 't1'] } }],
};

if (installed(NATS_PACKAGE)) {
  describeTransport(natsCase);
  describeSchemaIsolation(natsCase);
} else {
  describe('nats microservice', () => it.skip(`needs ${NATS_PACKAGE}, which is not installed`, () => undefined));
}
