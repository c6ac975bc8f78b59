import { randomBytes } from 'node:crypto';
import { Controller, Get, Inject, type INestApplication, Param } from '@nestjs/common';
import { ClientsModule, type ClientProxy, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import request from 'supertest';
import { PrismaClient } from '../../fixtures/generated/client';
import { currentTenantId, propagateTenant, TenancyModule, TenantPrisma } from '../../../lib';
import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { TEST_TENANTS } from '../../strategies/rls/rls-app';

const RABBITMQ_URL = process.env.TENANCY_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

function rmqOptions(queue: string) {
  return { urls: [RABBITMQ_URL], queue, queueOptions: { durable: false, autoDelete: true } };
}

interface Reply {
  tenant: string | null;
  seen: string[];
}

/** An HTTP route that sends to a message handler, with no tenant code: the tenant goes from request to message. */
function controllers(prefix: string) {
  @Controller('projects')
  class ProjectsHttp {
    constructor(@Inject('PROJECTS') private readonly client: ClientProxy) {}

    @Get(':name')
    create(@Param('name') name: string): Promise<Reply> {
      return firstValueFrom(this.client.send<Reply>(`${prefix}.create`, { name }));
    }
  }

  @Controller()
  class ProjectsMessages {
    constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

    @MessagePattern(`${prefix}.create`)
    async create(@Payload() data: { name: string }): Promise<Reply> {
      await this.prisma.client.project.create({ data: { name: data.name } });
      const seen = (await this.prisma.client.project.findMany()).map((p) => p.name);
      return { tenant: currentTenantId() ?? null, seen };
    }
  }
  return [ProjectsHttp, ProjectsMessages];
}

describe('hybrid app (HTTP and RabbitMQ in one process, inheritAppConfig: true)', () => {
  const prefix = `tenancy-hybrid-${randomBytes(5).toString('hex')}`;
  const rmq = rmqOptions(prefix);
  let db: TestDatabase;
  let app: INestApplication;

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
        }),
        ClientsModule.register([propagateTenant({ name: 'PROJECTS', transport: Transport.RMQ, options: rmq })]),
      ],
      controllers: controllers(prefix),
    }).compile();
    app = moduleRef.createNestApplication();
    app.connectMicroservice({ transport: Transport.RMQ, options: rmq }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.init();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('carries the tenant of each HTTP request to the message handler: two tenants, interleaved', async () => {
    const server = app.getHttpServer();
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) => {
        const tenant = i % 2 === 0 ? 't0' : 't1';
        return request(server).get(`/projects/${tenant}-http-${i}`).set('x-tenant-id', tenant);
      }),
    );
    responses.forEach((response, i) => {
      const tenant = i % 2 === 0 ? 't0' : 't1';
      expect(response.status).toBe(200);
      const reply = response.body as Reply;
      expect(reply.tenant).toBe(tenant);
      for (const name of reply.seen) expect(name.startsWith(`${tenant}-`)).toBe(true);
    });
  });

  it('refuses an HTTP request without a tenant before anything is sent', async () => {
    const response = await request(app.getHttpServer()).get('/projects/none');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'TENANT_REQUIRED' });
  });
});

describe('hybrid app without inheritAppConfig', () => {
  const prefix = `tenancy-hybrid-n-${randomBytes(5).toString('hex')}`;
  const rmq = rmqOptions(prefix);
  let db: TestDatabase;
  let app: INestApplication;

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
        }),
        ClientsModule.register([propagateTenant({ name: 'PROJECTS', transport: Transport.RMQ, options: rmq })]),
      ],
      controllers: controllers(prefix),
    }).compile();
    app = moduleRef.createNestApplication();
    // Nest applies the module's global guard and interceptor to the HTTP side only.
    app.connectMicroservice({ transport: Transport.RMQ, options: rmq });
    await app.startAllMicroservices();
    await app.init();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('fails closed: the message handler runs without a tenant, and its query is refused', async () => {
    const response = await request(app.getHttpServer()).get('/projects/t0-lost').set('x-tenant-id', 't0');
    expect(response.status).toBe(500);
    const written = await withClient(db.adminUrl, (c) => c.query("SELECT 1 FROM projects WHERE name = 't0-lost'"));
    expect(written.rowCount).toBe(0);
  });
});
