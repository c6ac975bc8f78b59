import { join } from 'node:path';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { type ClientGrpc, ClientProxyFactory, type ClientProxy, Transport } from '@nestjs/microservices';
import { firstValueFrom, identity, type Observable, type OperatorFunction } from 'rxjs';
import { GRPC_TENANCY_ERROR_KEY } from '../../../lib';
import { freePort } from './metadata-record';
import { describeSchemaIsolation, describeTransport, type HeaderValue, type TransportCase } from './transport-suite';

const PROTO = join(__dirname, '../../fixtures/grpc/projects.proto');

type Method = (data: object, metadata: Metadata) => Observable<unknown>;

function metadataFor(tenant: HeaderValue): Metadata {
  const metadata = new Metadata();
  if ('value' in tenant) metadata.set('x-tenant-id', tenant.value as string);
  if ('repeated' in tenant) for (const value of tenant.repeated) metadata.add('x-tenant-id', value);
  return metadata;
}

// The status each HTTP status maps to (rpc-transport-error.ts), read back.
const HTTP_BY_GRPC: Record<number, number> = { 3: 400, 5: 404, 7: 403 };

/** A gRPC error as the suite checks refusals: the package's code from the trailers, the HTTP status from the gRPC one. */
function asRefusal(error: ServiceError): unknown {
  return {
    error: error.metadata?.get(GRPC_TENANCY_ERROR_KEY)[0],
    statusCode: HTTP_BY_GRPC[error.code],
    grpcCode: error.code,
    message: error.details,
  };
}

/** gRPC with a real server and client: the tenant in the call metadata. Request-response only. */
export const grpcCase: TransportCase = {
  name: 'grpc',
  options: async () => {
    const options = { package: 'projects', protoPath: PROTO, url: `127.0.0.1:${await freePort()}` };
    return { server: { transport: Transport.GRPC, options }, client: { transport: Transport.GRPC, options } };
  },
  driver: async (_prefix, client) => {
    const proxy = ClientProxyFactory.create(client) as unknown as ClientGrpc & ClientProxy;
    const service = (via?: unknown) =>
      ((via as ClientGrpc | undefined) ?? proxy).getService<Record<string, Method>>('Projects');
    const own = service();
    return {
      send: async <T>(
        pattern: string,
        data: object,
        tenant: HeaderValue,
        via?: unknown,
        operator: OperatorFunction<unknown, unknown> = identity,
      ): Promise<T> => {
        const projects = via ? service(via) : own;
        try {
          return (await firstValueFrom(projects[pattern](data, metadataFor(tenant)).pipe(operator))) as T;
        } catch (error) {
          throw asRefusal(error as ServiceError);
        }
      },
      close: () => proxy.close(),
    };
  },
  unusable: [{ label: 'a repeated key', tenant: { repeated: ['t0', 't1'] } }],
};

describeTransport(grpcCase);
describeSchemaIsolation(grpcCase);
