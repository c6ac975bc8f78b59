import {
  type CanActivate,
  type DynamicModule,
  type INestApplication,
  Injectable,
  Module,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Test } from '@nestjs/testing';
import {
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
  type WsResponse,
} from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import { concatMap, interval, type Observable, take } from 'rxjs';
import { PrismaClient } from '../../fixtures/generated/client';
import {
  currentTenantId,
  InMemoryTenantStore,
  SkipTenant,
  TenancyModule,
  TenantPrisma,
  type IoTenancyOptions,
  type TenancyModuleOptions,
} from '../../../lib';
import { socketTenantId } from '../../../lib/entry-points/websockets';
import { TenancyIoAdapter } from '../../../lib/entry-points/websockets/socket.io';
import { TenancyWsAdapter } from '../../../lib/entry-points/websockets/ws';
import { TEST_TENANTS } from '../../strategies/rls/rls-app';
import { forNest11 } from './nest11-gateway';

export type SocketKind = 'socket.io' | 'ws';
export type PlatformName = 'express' | 'fastify';

/** What a handler (or a lifecycle hook) did: the tenant it ran in and the rows that tenant sees. */
export interface GatewayCall {
  handler: string;
  tenant: string | null;
  ref?: string;
  name?: string;
  seen?: string[];
  /** `socketTenantId(client)`, for the lifecycle hooks. */
  socketTenant?: string | null;
  i?: number;
}

interface Payload {
  ref: string;
  name?: string;
}

/** One gateway class per app: Nest keeps gateway options on the class. */
function gatewayClass(kind: SocketKind, calls: GatewayCall[], namespace?: string): Type {
  @WebSocketGateway(kind === 'ws' ? { path: '/ws' } : { namespace })
  class ProjectsGateway implements OnGatewayConnection, OnGatewayDisconnect {
    constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

    private async names(): Promise<string[]> {
      return (await this.prisma.client.project.findMany({ select: { name: true } })).map((p) => p.name);
    }

    handleConnection(client: object): void {
      calls.push({
        handler: 'connect',
        tenant: currentTenantId() ?? null,
        socketTenant: socketTenantId(client) ?? null,
      });
    }

    handleDisconnect(client: object): void {
      calls.push({
        handler: 'disconnect',
        tenant: currentTenantId() ?? null,
        socketTenant: socketTenantId(client) ?? null,
      });
    }

    @SubscribeMessage('create')
    async create(@MessageBody() data: Payload): Promise<WsResponse<GatewayCall>> {
      const tenant = currentTenantId() ?? null;
      await this.prisma.client.project.create({ data: { name: data.name! } });
      // A hop through the event loop, so two sockets' messages really interleave.
      await new Promise((resolve) => setImmediate(resolve));
      const call = { handler: 'create', tenant, ref: data.ref, name: data.name, seen: await this.names() };
      calls.push(call);
      return { event: 'created', data: call };
    }

    /** A stream: each emission, later than the handler's return, queries as the socket's tenant. */
    @SubscribeMessage('stream')
    stream(@MessageBody() data: Payload): Observable<WsResponse<GatewayCall>> {
      return interval(5).pipe(
        take(3),
        concatMap(async (i) => {
          const call = {
            handler: 'stream',
            tenant: currentTenantId() ?? null,
            ref: data.ref,
            i,
            seen: await this.names(),
          };
          calls.push(call);
          return { event: 'streamed', data: call };
        }),
      );
    }

    @SkipTenant()
    @SubscribeMessage('ping')
    ping(@MessageBody() data: Payload): WsResponse<GatewayCall> {
      const call = { handler: 'ping', tenant: currentTenantId() ?? null, ref: data.ref };
      calls.push(call);
      return { event: 'pong', data: call };
    }
  }
  return ProjectsGateway;
}

/** A second gateway on the same server (ws path, socket.io namespace): one connect check serves both. */
function secondGatewayClass(kind: SocketKind, calls: GatewayCall[], namespace?: string): Type {
  @WebSocketGateway(kind === 'ws' ? { path: '/ws' } : { namespace })
  class WhoAmIGateway implements OnGatewayConnection {
    handleConnection(client: object): void {
      calls.push({
        handler: 'connect2',
        tenant: currentTenantId() ?? null,
        socketTenant: socketTenantId(client) ?? null,
      });
    }

    @SubscribeMessage('whoami')
    whoami(@MessageBody() data: Payload): WsResponse<GatewayCall> {
      return { event: 'whoami', data: { handler: 'whoami', tenant: currentTenantId() ?? null, ref: data.ref } };
    }
  }
  return WhoAmIGateway;
}

/** An async guard that runs before TenantGuard, as a global JWT guard would. */
@Injectable()
class SlowAuthGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return true;
  }
}
@Module({ providers: [{ provide: APP_GUARD, useClass: SlowAuthGuard }] })
class SlowAuthModule {}

export interface BootGatewayOptions {
  kind: SocketKind;
  platform: PlatformName;
  databaseUrl: string;
  tenancy?: Partial<TenancyModuleOptions<PrismaClient>>;
  /** The tenancy adapter's options. */
  adapter?: IoTenancyOptions;
  /** Nest's own IoAdapter instead of the package's (socket.io only). */
  plainAdapter?: boolean;
  /** The tenant store; a fresh `InMemoryTenantStore` of `TEST_TENANTS` by default. */
  store?: InMemoryTenantStore;
  /** An app guard that awaits, registered before TenantGuard. */
  slowGuard?: boolean;
  /** socket.io: the gateways' namespace (the client connects to `url`, which includes it). */
  namespace?: string;
  /** A second gateway on the same server. */
  secondGateway?: boolean;
}

export interface GatewayTestApp {
  app: INestApplication;
  /** socket.io: the server's origin; ws: the gateway's URL. */
  url: string;
  calls: GatewayCall[];
  /** The app's tenant store: change a tenant, then `TenantCache.invalidate` it. */
  store: InMemoryTenantStore;
  close(): Promise<void>;
}

/** A Nest app with the package on the test database and the gateway above, on Express or Fastify, on 127.0.0.1. */
export async function bootGatewayApp(options: BootGatewayOptions): Promise<GatewayTestApp> {
  const calls: GatewayCall[] = [];
  const store = options.store ?? new InMemoryTenantStore(TEST_TENANTS);
  const imports: (Type | DynamicModule)[] = [
    TenancyModule.forRoot({
      strategy: 'rls',
      databaseUrl: options.databaseUrl,
      createClient: (adapter) => new PrismaClient({ adapter }),
      store,
      sharedModels: ['Plan'],
      ...options.tenancy,
    }),
  ];
  if (options.slowGuard) imports.unshift(SlowAuthModule);
  const moduleRef = await Test.createTestingModule({
    imports,
    providers: [
      forNest11(gatewayClass(options.kind, calls, options.namespace)),
      ...(options.secondGateway ? [forNest11(secondGatewayClass(options.kind, calls, options.namespace))] : []),
    ],
  }).compile();
  const app =
    options.platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter())
      : moduleRef.createNestApplication();
  app.useLogger(false);
  if (options.plainAdapter) app.useWebSocketAdapter(new IoAdapter(app));
  else
    app.useWebSocketAdapter(
      options.kind === 'ws' ? new TenancyWsAdapter(app, options.adapter) : new TenancyIoAdapter(app, options.adapter),
    );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: options.kind === 'ws' ? `ws://127.0.0.1:${port}/ws` : `http://127.0.0.1:${port}/${options.namespace ?? ''}`,
    calls,
    store,
    close: () => app.close(),
  };
}
