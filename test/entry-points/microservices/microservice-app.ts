import { Catch, Controller, Inject, type INestMicroservice, type OnModuleInit, type Type } from '@nestjs/common';
import {
  BaseRpcExceptionFilter,
  type ClientOptions,
  ClientsModule,
  EventPattern,
  GrpcMethod,
  MessagePattern,
  Payload,
  type ClientGrpc,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom, type Observable } from 'rxjs';
import { PrismaClient } from '../../fixtures/generated/client';
import {
  currentTenantId,
  propagateTenant,
  SkipTenant,
  TenancyModule,
  TenantPrisma,
  type TenancyModuleOptions,
  type TenantEntryPoint,
} from '../../../lib';
import { TEST_TENANTS } from '../../strategies/rls/rls-app';

/** What a handler did: the tenant it ran in and the rows it saw. */
export interface HandlerCall {
  handler: string;
  tenant: string | null;
  name: string;
  /** Names of the projects the handler's tenant sees, after its write. */
  seen: string[];
}

/** A refusal that reached the exception filters (events have no sender to answer). */
export interface Refusal {
  pattern: unknown;
  error: unknown;
}

export interface MicroserviceTestApp {
  app: INestMicroservice;
  calls: HandlerCall[];
  refusals: Refusal[];
  close(): Promise<void>;
}

/** The token of the propagating client (service A's client of service B). */
export const FORWARD_CLIENT = 'FORWARD_CLIENT';

interface GrpcProjects {
  create(request: { name: string }, metadata?: unknown): Observable<HandlerCall>;
}

/**
 * Message and event handlers under `prefix` (unique per run, so parallel
 * workers on one broker never share subjects or channels):
 * `<prefix>.create` writes a project and replies with what it saw;
 * `<prefix>.event` does the same for events; `<prefix>.forward` and
 * `<prefix>.forward-event` are service A: they pass the message on to
 * `.create` / `.event` through a `propagateTenant` client, with no tenant
 * code, and reply with what service B answered. On gRPC, `Projects.Create`
 * and `Projects.Forward` (test/fixtures/grpc/projects.proto).
 */
function handlersController(prefix: string, grpc: boolean): Type {
  class Handlers {
    constructor(
      protected readonly prisma: TenantPrisma<PrismaClient>,
      @Inject(FORWARD_CLIENT) protected readonly forwardClient: ClientProxy | ClientGrpc,
      @Inject('CALLS') protected readonly calls: HandlerCall[],
    ) {}

    protected async record(handler: string, name: string): Promise<HandlerCall> {
      const tenant = currentTenantId() ?? null;
      await this.prisma.client.project.create({ data: { name } });
      const seen = (await this.prisma.client.project.findMany({ select: { name: true } })).map((p) => p.name);
      const call = { handler, tenant, name, seen };
      this.calls.push(call);
      return call;
    }
  }

  @Controller()
  class MessageHandlers extends Handlers {
    @MessagePattern(`${prefix}.create`)
    create(@Payload() data: { name: string }): Promise<HandlerCall> {
      return this.record('create', data.name);
    }

    // `{ name?: string }`: Nest 12 types an event's payload as `{}` unless told, Nest 11 as anything.
    @EventPattern(`${prefix}.event`)
    async event(@Payload() data: { name?: string }): Promise<void> {
      await this.record('event', String(data.name));
    }

    @SkipTenant()
    @MessagePattern(`${prefix}.open`)
    open(): { tenant: string | null } {
      return { tenant: currentTenantId() ?? null };
    }

    @MessagePattern(`${prefix}.forward`)
    forward(@Payload() data: { name: string }): Observable<HandlerCall> {
      // Returned, not awaited: Nest subscribes it, as apps usually let it.
      return (this.forwardClient as ClientProxy).send<HandlerCall>(`${prefix}.create`, data);
    }

    @MessagePattern(`${prefix}.forward-event`)
    async forwardEvent(@Payload() data: { name: string }): Promise<string | null> {
      await firstValueFrom((this.forwardClient as ClientProxy).emit(`${prefix}.event`, data), { defaultValue: null });
      return currentTenantId() ?? null;
    }
  }

  @Controller()
  class GrpcHandlers extends Handlers implements OnModuleInit {
    private projects!: GrpcProjects;

    onModuleInit(): void {
      this.projects = (this.forwardClient as ClientGrpc).getService<GrpcProjects>('Projects');
    }

    @GrpcMethod('Projects', 'Create')
    create(data: { name: string }): Promise<HandlerCall> {
      return this.record('create', data.name);
    }

    @GrpcMethod('Projects', 'Forward')
    forward(data: { name: string }): Observable<HandlerCall> {
      return this.projects.create({ name: data.name });
    }
  }
  return grpc ? GrpcHandlers : MessageHandlers;
}

@Catch()
class RecordingFilter extends BaseRpcExceptionFilter {
  constructor(private readonly refusals: Refusal[]) {
    super();
  }

  override catch(exception: unknown, host: Parameters<BaseRpcExceptionFilter['catch']>[1]): Observable<unknown> {
    const rpc = host.switchToRpc();
    const context = rpc.getContext<{ getPattern?: () => unknown; getSubject?: () => unknown }>();
    this.refusals.push({ pattern: context?.getPattern?.() ?? context?.getSubject?.(), error: exception });
    return super.catch(exception, host);
  }
}

export interface BootMicroserviceOptions {
  databaseUrl: string;
  prefix: string;
  /** The server's transport options. */
  server: MicroserviceOptions;
  /** Service A's client of service B (the same server here): wrapped in `propagateTenant`. */
  forward: ClientOptions;
  /** Options of `propagateTenant` for that client. */
  forwardOptions?: Parameters<typeof propagateTenant>[1];
  tenancy?: Partial<TenancyModuleOptions<PrismaClient>>;
  entryPoints?: TenantEntryPoint[];
}

/** A Nest microservice with the package on the test database and the handlers above. */
export async function bootMicroservice(options: BootMicroserviceOptions): Promise<MicroserviceTestApp> {
  const calls: HandlerCall[] = [];
  const refusals: Refusal[] = [];
  const grpc = (options.server as { transport?: number }).transport === 4;
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl: options.databaseUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: TEST_TENANTS,
        sharedModels: ['Plan'],
        ...(options.entryPoints ? { entryPoints: options.entryPoints } : {}),
        ...options.tenancy,
      }),
      ClientsModule.register([propagateTenant({ name: FORWARD_CLIENT, ...options.forward }, options.forwardOptions)]),
    ],
    controllers: [handlersController(options.prefix, grpc)],
    providers: [{ provide: 'CALLS', useValue: calls }],
  }).compile();
  const app = moduleRef.createNestMicroservice<MicroserviceOptions>(options.server);
  app.useGlobalFilters(new RecordingFilter(refusals));
  await app.listen();
  return { app, calls, refusals, close: () => app.close() };
}

/** Polls `check` until it holds; generous, for a loaded machine. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
