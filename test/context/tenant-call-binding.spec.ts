import {
  type CanActivate,
  Controller,
  Get,
  Headers,
  Injectable,
  type INestApplication,
  UseGuards,
} from '@nestjs/common';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { PrismaClient } from '../fixtures/generated/client';
import { currentTenantId, propagateTenant, TenancyModule, TenantContext, TenantGuard, TenantPrisma } from '../../lib';
import { TenantCallInterceptor } from '../../lib/context/tenant-call.interceptor';
import { createTestDatabase, type TestDatabase } from '../support';
import { TEST_TENANTS } from '../strategies/rls/rls-app';

const NATS_URL = process.env.TENANCY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const SUBJECT = `binding-${process.pid}-${Date.now()}`;

/** An app's guard that awaits before the tenant guard runs: a token check, a rate limit. */
@Injectable()
class SlowGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 5)));
    return true;
  }
}

@Controller('binding')
class HybridController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  @Get()
  http(@Headers('x-tenant-id') tenant: string) {
    return { tenant, seen: currentTenantId() };
  }

  // The slow guard first: TenantGuard's enterWith then happens after an await, and cannot reach the handler.
  @MessagePattern(`${SUBJECT}.whoami`)
  @UseGuards(SlowGuard, TenantGuard)
  async whoami(@Payload() data: { n: number }) {
    await new Promise((resolve) => setTimeout(resolve, data.n % 3));
    const rows = await this.prisma.client.project.findMany({ select: { tenantId: true } });
    return { n: data.n, tenant: currentTenantId() ?? null, rowTenants: [...new Set(rows.map((r) => r.tenantId))] };
  }
}

// TenantCallInterceptor is bound to message, gateway and GraphQL handlers only (lib/context/tenant-call.binding.ts):
// these prove it is there when an app's async guard runs first, and that HTTP routes go without it.
describe('TenantCallInterceptor: bound to non-HTTP handlers only', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let client: ClientProxy;
  let context: TenantContext;

  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy: 'rls',
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: TEST_TENANTS,
          sharedModels: ['Plan'],
          globalGuard: false,
        }),
      ],
      controllers: [HybridController],
      providers: [SlowGuard],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.connectMicroservice({ transport: Transport.NATS, options: { servers: [NATS_URL] } });
    await app.startAllMicroservices();
    await app.init();
    context = app.get(TenantContext);
    const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);
    for (const id of ['t1', 't2'])
      await context.run(id, () => prisma.client.project.create({ data: { name: `of ${id}` } }));
    client = ClientProxyFactory.create(
      propagateTenant({ transport: Transport.NATS, options: { servers: [NATS_URL] } }),
    ) as ClientProxy;
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await db?.drop();
  });

  it('binds the interceptor to the message handler, not to the HTTP route', () => {
    const on = (method: unknown) => (Reflect.getMetadata('__interceptors__', method as object) ?? []) as unknown[];
    expect(on(HybridController.prototype.whoami).some((i) => i instanceof TenantCallInterceptor)).toBe(true);
    expect(on(HybridController.prototype.http)).toEqual([]);
  });

  it('a message handler behind an async guard runs as its own tenant, two tenants interleaved', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) => {
        const tenant = n % 2 ? 't1' : 't2';
        return context.run(tenant, () =>
          firstValueFrom(
            client.send<{ n: number; tenant: string | null; rowTenants: string[] }>(`${SUBJECT}.whoami`, { n }),
          ).then((answer) => ({ tenant, answer })),
        );
      }),
    );
    for (const { tenant, answer } of answers) {
      expect(answer.tenant).toBe(tenant);
      expect(answer.rowTenants).toEqual([tenant]);
    }
  });
});
