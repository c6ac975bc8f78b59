import { type ClientOptions, type ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { firstValueFrom, identity } from 'rxjs';
import { freePort, metadataSerializer, withMetadata } from './metadata-record';
import { header, type Driver, type TransportCase } from './transport-suite';

const REDIS_HOST = process.env.TENANCY_TEST_REDIS_HOST ?? '127.0.0.1';
const REDIS_PORT = Number(process.env.TENANCY_TEST_REDIS_PORT ?? 6379);

async function proxyDriver(prefix: string, client: ClientOptions): Promise<Driver> {
  const proxy = ClientProxyFactory.create(client) as ClientProxy;
  await proxy.connect();
  return {
    send: (pattern, data, tenant, via, operator = identity) =>
      firstValueFrom(
        ((via as ClientProxy) ?? proxy).send(`${prefix}.${pattern}`, withMetadata(data, tenant)).pipe(operator),
      ) as never,
    emit: async (pattern, data, tenant) => {
      await firstValueFrom(proxy.emit(`${prefix}.${pattern}`, withMetadata(data, tenant)), { defaultValue: undefined });
    },
    close: () => proxy.close(),
  };
}

const unusable: TransportCase['unusable'] = [
  { label: 'a list', tenant: header(['t0']) },
  { label: 'a number', tenant: header(7) },
  { label: 'null', tenant: header(null) },
  { label: 'two spellings', tenant: { repeated: ['t0', 't1'] } },
];

/** TCP: the tenant in the `metadata` of Nest's packet (TcpContext#getMetadata). One port per suite. */
export const tcpCase: TransportCase = {
  name: 'tcp',
  options: async () => {
    const port = await freePort();
    return {
      server: { transport: Transport.TCP, options: { host: '127.0.0.1', port } },
      client: { transport: Transport.TCP, options: { host: '127.0.0.1', port, serializer: metadataSerializer } },
    };
  },
  driver: proxyDriver,
  unusable,
};

/** Redis: the tenant in the `metadata` of Nest's packet (RedisContext#getMetadata). Channels under a unique prefix. */
export const redisCase: TransportCase = {
  name: 'redis',
  options: async () => ({
    server: { transport: Transport.REDIS, options: { host: REDIS_HOST, port: REDIS_PORT } },
    client: {
      transport: Transport.REDIS,
      options: { host: REDIS_HOST, port: REDIS_PORT, serializer: metadataSerializer },
    },
  }),
  driver: proxyDriver,
  unusable,
};
