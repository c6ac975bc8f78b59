import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Controller, Get, Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Client } from 'pg';
import request from 'supertest';

import { rlsPolicySql } from '../lib/strategies/rls/rls-policy.sql';
import { PrismaClient } from './fixtures/generated/client';
import {
  createTestDatabase,
  FIXTURE_MIGRATIONS,
  FIXTURE_MIGRATIONS_DIR,
  TEST_ROLES,
  withClient,
  type TestDatabase,
} from './support';
import { dockerEngineAnswers } from './support/docker-probe';

// The harness itself: if any of this were wrong, every RLS test built on it
// could pass without proving anything.

/** Inserts one project for `tenant` as the app role, the way the library will: setting local to a transaction. */
async function insertProject(app: Client, tenant: string, id: string): Promise<void> {
  await app.query('BEGIN');
  await app.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
  await app.query('INSERT INTO projects (id, name) VALUES ($1, $2)', [id, `project ${id}`]);
  await app.query('COMMIT');
}

async function visibleProjectIds(url: string, tenant?: string): Promise<string[]> {
  return withClient(url, async (client) => {
    if (tenant !== undefined) await client.query("SELECT set_config('app.tenant_id', $1, false)", [tenant]);
    const { rows } = await client.query<{ id: string }>('SELECT id FROM projects ORDER BY id');
    return rows.map((row) => row.id);
  });
}

describe('test database harness', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await withClient(db.appUrl, async (app) => {
      await insertProject(app, 'a', 'a1');
      await insertProject(app, 'a', 'a2');
      await insertProject(app, 'b', 'b1');
    });
  });
  afterAll(() => db?.drop());

  it('gives the app role no way around RLS', async () => {
    await withClient(db.adminUrl, async (admin) => {
      const { rows: roles } = await admin.query(
        'SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
        [[TEST_ROLES.app.name, TEST_ROLES.owner.name]],
      );
      expect(roles).toEqual([
        { rolname: 'tenancy_app', rolsuper: false, rolbypassrls: false, rolcanlogin: true },
        { rolname: 'tenancy_owner', rolsuper: false, rolbypassrls: false, rolcanlogin: true },
      ]);
      const { rows: tables } = await admin.query(
        `SELECT relname, pg_get_userbyid(relowner) AS owner, relrowsecurity, relforcerowsecurity
           FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname`,
      );
      expect(tables).toEqual([
        { relname: 'plans', owner: 'tenancy_owner', relrowsecurity: false, relforcerowsecurity: false },
        { relname: 'projects', owner: 'tenancy_owner', relrowsecurity: true, relforcerowsecurity: true },
        { relname: 'tasks', owner: 'tenancy_owner', relrowsecurity: true, relforcerowsecurity: true },
      ]);
    });
    await withClient(db.appUrl, async (app) => {
      expect((await app.query('SELECT current_user AS who')).rows[0].who).toBe('tenancy_app');
    });
  });

  it('isolates rows by app.tenant_id for the app role and, through FORCE, the owner', async () => {
    // The rows exist (the superuser bypasses RLS), so the empty results below mean something.
    expect(await visibleProjectIds(db.adminUrl)).toEqual(['a1', 'a2', 'b1']);
    expect(await visibleProjectIds(db.appUrl)).toEqual([]);
    expect(await visibleProjectIds(db.appUrl, '')).toEqual([]);
    expect(await visibleProjectIds(db.appUrl, 'a')).toEqual(['a1', 'a2']);
    expect(await visibleProjectIds(db.appUrl, 'b')).toEqual(['b1']);
    expect(await visibleProjectIds(db.ownerUrl)).toEqual([]);
    expect(await visibleProjectIds(db.ownerUrl, 'b')).toEqual(['b1']);
  });

  it('refuses a write for another tenant', async () => {
    await withClient(db.appUrl, async (app) => {
      await app.query("SELECT set_config('app.tenant_id', 'a', false)");
      await expect(
        app.query("INSERT INTO projects (id, tenant_id, name) VALUES ('x', 'b', 'x')"),
      ).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('matches the schema: the generated Prisma client reads and writes through the app role', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.appUrl }) });
    try {
      await prisma.plan.create({ data: { id: 'pro', name: 'Pro', price: 42 } });
      expect(await prisma.plan.findUnique({ where: { id: 'pro' } })).toEqual({ id: 'pro', name: 'Pro', price: 42 });

      const created = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT set_config('app.tenant_id', 'a', true)`;
        return tx.project.create({
          data: { name: 'Apollo', tasks: { create: [{ title: 'Launch' }] } },
          include: { tasks: true },
        });
      });
      expect(created).toMatchObject({
        tenantId: 'a',
        name: 'Apollo',
        budget: 0,
        tasks: [{ tenantId: 'a', title: 'Launch', done: false }],
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.tasks[0].projectId).toBe(created.id);

      // Outside a tenant the same client sees nothing.
      expect(await prisma.project.findMany({ where: { id: created.id } })).toEqual([]);
      const reread = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT set_config('app.tenant_id', 'a', true)`;
        return tx.project.findUnique({ where: { id: created.id }, include: { tasks: true } });
      });
      expect(reread).toEqual(created);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe('createTestDatabase options', () => {
  it('gives unique databases, and drop() removes one (twice is fine)', async () => {
    const [one, two] = await Promise.all([
      createTestDatabase({ migrations: [] }),
      createTestDatabase({ migrations: [] }),
    ]);
    expect(one.name).not.toBe(two.name);
    await one.drop();
    await one.drop();
    await withClient(two.adminUrl, async (admin) => {
      const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [
        [one.name, two.name],
      ]);
      expect(rows).toEqual([{ datname: two.name }]);
    });
    await two.drop();
  });

  it('applies only the migrations asked for, then extra SQL as the owner', async () => {
    // RLS enabled but not forced: the owner bypasses it, the app role does not.
    const db = await createTestDatabase({
      migrations: [FIXTURE_MIGRATIONS.init],
      sql: `ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
            CREATE POLICY p ON projects USING (tenant_id = current_setting('app.tenant_id', true));
            INSERT INTO projects (id, tenant_id, name) VALUES ('o1', 'a', 'by owner');`,
    });
    try {
      expect(await visibleProjectIds(db.ownerUrl)).toEqual(['o1']);
      expect(await visibleProjectIds(db.appUrl)).toEqual([]);
      expect(await visibleProjectIds(db.appUrl, 'a')).toEqual(['o1']);
    } finally {
      await db.drop();
    }
  });

  it('grants the app role tables the owner creates later', async () => {
    const db = await createTestDatabase({
      migrations: [],
      sql: 'CREATE SCHEMA extra; CREATE TABLE extra.notes (id int);',
    });
    try {
      await withClient(db.appUrl, async (app) => {
        await app.query('INSERT INTO extra.notes VALUES (1)');
        expect((await app.query('SELECT id FROM extra.notes')).rows).toEqual([{ id: 1 }]);
      });
    } finally {
      await db.drop();
    }
  });

  it('rejects an unknown migration before creating anything', async () => {
    await expect(createTestDatabase({ migrations: ['nope'] })).rejects.toThrow(
      /No fixture migration "nope"; known: 20250101000000_init, 20250101000001_rls/,
    );
  });
});

describe('fixture migrations', () => {
  it('the RLS migration is exactly rlsPolicySql() for projects and tasks', () => {
    const onDisk = readFileSync(join(FIXTURE_MIGRATIONS_DIR, FIXTURE_MIGRATIONS.rls, 'migration.sql'), 'utf8');
    expect(onDisk).toBe([rlsPolicySql({ table: 'projects' }), rlsPolicySql({ table: 'tasks' })].join('\n'));
  });
});

describe('Docker probe', () => {
  const saved = process.env.DOCKER_HOST;
  let server: Server | undefined;
  afterEach(async () => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const socket = join(tmpdir(), `tenancy-docker-probe-${process.pid}-${Date.now()}.sock`);
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    return socket;
  }

  it('answers false at once when the socket does not exist', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const started = Date.now();
    expect(await dockerEngineAnswers()).toBe(false);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('answers true when an engine pings back, false when it hangs past the timeout', async () => {
    process.env.DOCKER_HOST = `unix://${await listen((_req, res) => res.end('OK'))}`;
    expect(await dockerEngineAnswers()).toBe(true);
    await new Promise((resolve) => server!.close(resolve));

    process.env.DOCKER_HOST = `unix://${await listen(() => undefined)}`;
    const started = Date.now();
    expect(await dockerEngineAnswers(300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    server!.closeAllConnections();
  });
});

describe('Jest config', () => {
  @Controller()
  class PingController {
    @Get('ping')
    ping() {
      return { pong: true };
    }
  }
  @Module({ controllers: [PingController] })
  class PingModule {}

  // NestJS 12 is ESM-only: this fails to even load unless Jest transforms it.
  it.each(['express', 'fastify'] as const)('boots a Nest app on %s', async (platform) => {
    const moduleRef = await Test.createTestingModule({ imports: [PingModule] }).compile();
    const app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    await app.init();
    if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
    try {
      await request(app.getHttpServer()).get('/ping').expect(200, { pong: true });
    } finally {
      await app.close();
    }
  });
});
