import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Body, Controller, type INestApplication, Param, Post } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { PrismaClient } from '../../examples/src/generated/client';
import { Pool } from 'pg';
import { TenancyModule, TenantPrisma, type TenancyStrategyName } from '../../lib';
import { readMigrationsFolder, TenantMigrationRunner } from '../../lib/migrations';
import { createTestDatabase, markOwned, type TestDatabase } from '../support';
import { expectTenancyError } from '../support/http-app';

// The example schema puts the tenant into the foreign key (docs/rls.md):
// Task.project is `fields: [tenantId, projectId], references: [tenantId, id]`.
const MIGRATIONS = join(__dirname, '../../examples/prisma/migrations');
const sqlOf = (name: string) => readFileSync(join(MIGRATIONS, name, 'migration.sql'), 'utf8');
const EXAMPLE_SQL = [sqlOf('20250601000000_init'), sqlOf('20250601000001_rls')].join('\n');
const TENANTS = ['acme', 'globex'];

/** One marked database per tenant with the example's tables (database strategy); the shared models stay in `db`. */
async function tenantDatabases(): Promise<Map<string, TestDatabase>> {
  const databases = new Map<string, TestDatabase>();
  try {
    for (const id of TENANTS) {
      const tenantDb = await createTestDatabase({ migrations: [], sql: sqlOf('20250601000000_init') });
      databases.set(id, tenantDb);
      await markOwned(tenantDb.adminUrl, 'database', tenantDb.name, id);
    }
  } catch (error) {
    await Promise.all([...databases.values()].map((d) => d.drop()));
    throw error;
  }
  return databases;
}

/** The example's tables: shared and RLS-protected in `public` (rls), or in one marked schema per tenant (schema). */
async function exampleDatabase(strategy: TenancyStrategyName): Promise<TestDatabase> {
  if (strategy === 'rls') return createTestDatabase({ migrations: [], sql: EXAMPLE_SQL });
  if (strategy === 'database') return createTestDatabase({ migrations: [], sql: sqlOf('20250601000000_init') });
  const db = await createTestDatabase({ migrations: [], sql: sqlOf('20250601000000_init') });
  const pool = new Pool({ connectionString: db.ownerUrl, max: 1 });
  try {
    const migrations = (await readMigrationsFolder(MIGRATIONS)).filter((m) => m.name === '20250601000000_init');
    const runner = new TenantMigrationRunner({ pool, migrations });
    for (const id of TENANTS) {
      await runner.migrate({ schema: `tenant_${id}`, tenantId: id });
      await markOwned(db.ownerUrl, 'schema', `tenant_${id}`, id);
    }
  } finally {
    await pool.end();
  }
  return db;
}

type Body_ = { title?: string; projectId?: string; taskId?: string; tenantId?: string };

@Controller()
class RelationController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}
  private get db() {
    return this.prisma.client;
  }
  @Post('seed/:project/:task') seed(@Param('project') id: string, @Param('task') taskId: string) {
    return this.db.project.create({ data: { id, name: id, tasks: { create: [{ id: taskId, title: taskId }] } } });
  }
  // Prisma's checked form: the relation sets the tenant and the project id.
  @Post('tasks/connect') connect(@Body() b: Body_) {
    return this.db.task.create({ data: { title: b.title ?? 't', project: { connect: { id: b.projectId! } } } });
  }
  @Post('tasks/connect-composite') connectComposite(@Body() b: Body_) {
    return this.db.task.create({
      data: { title: 't', project: { connect: { tenantId_id: { tenantId: b.tenantId!, id: b.projectId! } } } },
    });
  }
  @Post('tasks/connect-or-create') connectOrCreate(@Body() b: Body_) {
    return this.db.task.create({
      data: { title: 't', project: { connectOrCreate: { where: { id: b.projectId! }, create: { name: 'new' } } } },
    });
  }
  @Post('tasks/nested-project') nestedProject() {
    return this.db.task.create({ data: { title: 't', project: { create: { name: 'made-nested' } } } });
  }
  @Post('tasks/upsert') upsert(@Body() b: Body_) {
    return this.db.task.upsert({
      where: { id: b.taskId! },
      create: { title: 't', project: { connect: { id: b.projectId! } } },
      update: {},
    });
  }
  @Post('tasks/batch') batch(@Body() b: Body_) {
    return this.prisma.client.$transaction([
      this.db.task.create({ data: { title: 'batch', project: { connect: { id: b.projectId! } } } }),
    ]);
  }
  @Post('tasks/interactive') interactive(@Body() b: Body_) {
    return this.db.$transaction(async (tx) => {
      await tx.task.create({ data: { title: 'itx-1', project: { connect: { id: b.projectId! } } } });
      return tx.task.create({ data: { title: 'itx-2', project: { connect: { id: b.projectId! } } } });
    });
  }
  @Post('tasks/:id/move') move(@Param('id') id: string, @Body() b: Body_) {
    return this.db.task.update({ where: { id }, data: { project: { connect: { id: b.projectId! } } } });
  }
  @Post('projects/:id/adopt') adopt(@Param('id') id: string, @Body() b: Body_) {
    return this.db.project.update({ where: { id }, data: { tasks: { connect: [{ id: b.taskId! }] } } });
  }
  @Post('projects/:id/rename-task') renameTask(@Param('id') id: string, @Body() b: Body_) {
    return this.db.project.update({
      where: { id },
      data: { tasks: { update: [{ where: { id: b.taskId! }, data: { title: 'renamed' } }] } },
    });
  }
  @Post('projects/:id/delete-task') deleteTask(@Param('id') id: string, @Body() b: Body_) {
    return this.db.project.update({ where: { id }, data: { tasks: { delete: [{ id: b.taskId! }] } } });
  }
  @Post('projects/with-task') withTask(@Body() b: Body_) {
    return this.db.project.create({ data: { name: 'with', tasks: { connect: [{ id: b.taskId! }] } } });
  }
}

// Relation writes under a composite foreign key, over HTTP: the checked
// `connect` forms work for the tenant's own records, and naming a record the
// tenant cannot see answers 404 (never 500, never the other tenant's row).
describe.each([
  ['rls', 'express'],
  ['rls', 'fastify'],
  ['schema', 'express'],
  ['database', 'express'],
] as const)('relation writes under a composite foreign key, %s strategy over HTTP (%s)', (strategy, platform) => {
  let db: TestDatabase;
  let databases = new Map<string, TestDatabase>();
  let app: INestApplication;
  const as = (tenant: string) => ({
    post: (path: string, body: Body_ = {}) =>
      request(app.getHttpServer()).post(path).set('x-tenant-id', tenant).send(body),
  });
  const rows = async (sql: string, tenant?: string) => {
    const { withClient } = await import('../support');
    return withClient((tenant ? databases.get(tenant)! : db).adminUrl, async (c) => (await c.query(sql)).rows);
  };
  // Every tenant's tasks, as one list: one table (rls), one schema each, or one database each.
  const allTasks = async () => {
    const columns = 'tenant_id, id, project_id, title';
    if (strategy === 'rls') return rows(`SELECT ${columns} FROM tasks ORDER BY id`);
    if (strategy === 'schema')
      return rows(
        `SELECT ${columns} FROM (SELECT * FROM tenant_acme.tasks UNION ALL SELECT * FROM tenant_globex.tasks) t ORDER BY id`,
      );
    return [
      ...(await rows(`SELECT ${columns} FROM tasks ORDER BY id`, 'acme')),
      ...(await rows(`SELECT ${columns} FROM tasks ORDER BY id`, 'globex')),
    ];
  };

  beforeAll(async () => {
    db = await exampleDatabase(strategy);
    if (strategy === 'database') databases = await tenantDatabases();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TenancyModule.forRoot({
          strategy,
          databaseUrl: db.appUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: TENANTS.map((id) => ({ id, status: 'active' as const, databaseUrl: databases.get(id)?.appUrl })),
          sharedModels: ['Plan'],
        }),
      ],
      controllers: [RelationController],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    await as('acme').post('/seed/pa/ta').expect(201);
    await as('globex').post('/seed/pg/tg').expect(201);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await Promise.all([...databases.values()].map((d) => d.drop()));
  });

  it("connect, connectOrCreate, nested create and upsert to the tenant's own project succeed", async () => {
    const made = await as('acme').post('/tasks/connect', { projectId: 'pa', title: 'connected' }).expect(201);
    expect(made.body).toMatchObject({ tenantId: 'acme', projectId: 'pa' });
    await as('acme').post('/tasks/connect-composite', { projectId: 'pa', tenantId: 'acme' }).expect(201);
    expect((await as('acme').post('/tasks/connect-or-create', { projectId: 'pa' }).expect(201)).body).toMatchObject({
      tenantId: 'acme',
      projectId: 'pa',
    });
    const nested = await as('acme').post('/tasks/nested-project').expect(201);
    expect(nested.body.tenantId).toBe('acme');
    const projects = strategy === 'schema' ? 'tenant_acme.projects' : 'projects';
    const projectOwner = strategy === 'database' ? 'acme' : undefined;
    expect(await rows(`SELECT tenant_id FROM ${projects} WHERE id = '${nested.body.projectId}'`, projectOwner)).toEqual(
      [{ tenant_id: 'acme' }],
    );
    await as('acme').post('/tasks/upsert', { taskId: 'up-1', projectId: 'pa' }).expect(201);
    expect((await as('acme').post('/tasks/batch', { projectId: 'pa' }).expect(201)).body).toMatchObject([
      { tenantId: 'acme' },
    ]);
    expect((await as('acme').post('/tasks/interactive', { projectId: 'pa' }).expect(201)).body).toMatchObject({
      tenantId: 'acme',
      title: 'itx-2',
    });
  });

  it.each([
    ['create with connect', '/tasks/connect', { projectId: 'pg' }],
    ['create with connect by the composite key', '/tasks/connect-composite', { projectId: 'pg', tenantId: 'globex' }],
    ['upsert with connect', '/tasks/upsert', { taskId: 'up-2', projectId: 'pg' }],
    ['batch transaction with connect', '/tasks/batch', { projectId: 'pg' }],
    ['interactive transaction with connect', '/tasks/interactive', { projectId: 'pg' }],
    ["update moving a task to another tenant's project", '/tasks/ta/move', { projectId: 'pg' }],
    ["to-many connect of another tenant's task", '/projects/pa/adopt', { taskId: 'tg' }],
    ["create with a to-many connect of another tenant's task", '/projects/with-task', { taskId: 'tg' }],
    ["nested update of another tenant's task", '/projects/pa/rename-task', { taskId: 'tg' }],
    ["nested delete of another tenant's task", '/projects/pa/delete-task', { taskId: 'tg' }],
    ['connect to a project that does not exist at all', '/tasks/connect', { projectId: 'nowhere' }],
  ])('%s: 404 TENANT_RELATION_NOT_FOUND, nothing written, the other tenant untouched', async (_name, path, body) => {
    const before = await allTasks();
    const response = await as('acme').post(path, body);
    expectTenancyError(response, 404, 'TENANT_RELATION_NOT_FOUND');
    expect(response.text).not.toMatch(/globex|pg\b|tg\b/);
    expect(await allTasks()).toEqual(before);
  });

  it('the same id from a tenant that cannot see it and from one where it does not exist get the same answer', async () => {
    const other = await as('acme').post('/tasks/connect', { projectId: 'pg' });
    const none = await as('acme').post('/tasks/connect', { projectId: 'none' });
    expect({ status: other.status, body: other.body }).toEqual({ status: none.status, body: none.body });
  });
});
