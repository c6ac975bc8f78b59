import { InMemoryTenantStore, type Tenant } from '../../../lib';
import { createSchemaTenantsDatabase } from '../../strategies/schema/schema-tenants';
import { TEST_TENANTS } from '../../strategies/rls/rls-app';
import { createTestDatabase, type TestDatabase } from '../../support';
import { bootGatewayApp, type GatewayTestApp } from './gateway-app';
import { expectOwn, rowsByTenant } from './gateway-rows';
import { connect, eventually, type Handshake, refusal, type TestSocket } from './socket-client';

/** A store that answers slowly, so the connect check is still running when the first messages arrive. */
class SlowTenantStore extends InMemoryTenantStore {
  override async findById(id: string): Promise<Readonly<Tenant> | null> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return super.findById(id);
  }
}

/** A store that fails for one id, as a store whose database is down would. */
class FailingTenantStore extends InMemoryTenantStore {
  override async findById(id: string): Promise<Readonly<Tenant> | null> {
    if (id === 'boom') throw new Error('store down');
    return super.findById(id);
  }
}

interface Refused {
  label: string;
  handshake: Handshake;
  code: string;
}

describe('WebSocket gateway options: socket.io with authField and queryParam, in a namespace', () => {
  let db: TestDatabase;
  let t: GatewayTestApp;
  const sockets: TestSocket[] = [];
  const open = async (handshake: Handshake): Promise<TestSocket> => {
    const socket = await connect('socket.io', t.url, handshake);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootGatewayApp({
      kind: 'socket.io',
      platform: 'express',
      databaseUrl: db.appUrl,
      adapter: { authField: 'tenantId', queryParam: 'tenant' },
      // In a namespace: the check is that namespace's middleware.
      namespace: 'projects',
    });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    // The server sees the closes later: wait, so no test sees the previous one's handleDisconnect.
    const count = (handler: string): number => t.calls.filter((c) => c.handler === handler).length;
    await eventually(() => count('connect') === count('disconnect'), 'every handleDisconnect');
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it.each<[string, Handshake, string]>([
    ['the auth payload', { auth: { tenantId: 't0' } }, 't0'],
    ['the query parameter', { query: { tenant: 't1' } }, 't1'],
    ['the query parameter, websocket transport only', { query: { tenant: 't1' }, transports: ['websocket'] }, 't1'],
    ['a header and the auth payload, agreeing', { headers: { 'x-tenant-id': 't0' }, auth: { tenantId: 't0' } }, 't0'],
    ['the auth payload, another field beside it', { auth: { tenantId: 't1', token: 'x' } }, 't1'],
  ])('admits a socket naming its tenant in %s', async (_label, handshake, tenant) => {
    const socket = await open(handshake);
    const reply = await socket.request('create', { ref: 'a', name: `${tenant}-opt-${Math.random()}` }, 'created');
    expectOwn(reply.data, tenant);
  });

  it.each<Refused>([
    {
      label: 'header and auth disagree',
      handshake: { headers: { 'x-tenant-id': 't0' }, auth: { tenantId: 't1' } },
      code: 'TENANT_ID_INVALID',
    },
    {
      label: 'query and auth disagree',
      handshake: { query: { tenant: 't0' }, auth: { tenantId: 't1' } },
      code: 'TENANT_ID_INVALID',
    },
    { label: 'auth empty', handshake: { auth: { tenantId: '' } }, code: 'TENANT_ID_INVALID' },
    { label: 'auth a number', handshake: { auth: { tenantId: 7 } }, code: 'TENANT_ID_INVALID' },
    { label: 'auth a list', handshake: { auth: { tenantId: ['t0'] } }, code: 'TENANT_ID_INVALID' },
    { label: 'auth null', handshake: { auth: { tenantId: null } }, code: 'TENANT_ID_INVALID' },
    { label: 'query repeated', handshake: { query: { tenant: ['t0', 't0'] } }, code: 'TENANT_ID_INVALID' },
    { label: 'query empty', handshake: { query: { tenant: '' } }, code: 'TENANT_ID_INVALID' },
    { label: 'auth unknown', handshake: { auth: { tenantId: 'nobody' } }, code: 'TENANT_NOT_FOUND' },
    { label: 'auth inactive', handshake: { auth: { tenantId: 'suspended1' } }, code: 'TENANT_INACTIVE' },
    { label: 'another auth field only', handshake: { auth: { tenant: 't0' } }, code: 'TENANT_REQUIRED' },
  ])('refuses at connect: $label → $code', async ({ handshake, code }) => {
    const before = t.calls.length;
    const refused = await refusal('socket.io', t.url, handshake);
    expect(refused.data).toMatchObject({ error: code });
    expect(t.calls.slice(before)).toEqual([]);
  });
});

describe('WebSocket gateway options: ws with queryParam and requireTenant: false', () => {
  let db: TestDatabase;
  let t: GatewayTestApp;
  const sockets: TestSocket[] = [];
  const open = async (handshake: Handshake): Promise<TestSocket> => {
    const socket = await connect('ws', t.url, handshake);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootGatewayApp({
      kind: 'ws',
      platform: 'fastify',
      databaseUrl: db.appUrl,
      adapter: { queryParam: 'tenant', requireTenant: false },
    });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    // The server sees the closes later: wait, so no test sees the previous one's handleDisconnect.
    const count = (handler: string): number => t.calls.filter((c) => c.handler === handler).length;
    await eventually(() => count('connect') === count('disconnect'), 'every handleDisconnect');
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('admits sockets naming their tenant in the query, each running in its own', async () => {
    const [a, b] = await Promise.all([open({ query: { tenant: 't0' } }), open({ query: { tenant: 't1' } })]);
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const tenant = i % 2 === 0 ? 't0' : 't1';
        return (i % 2 === 0 ? a : b).request('create', { ref: `q${i}`, name: `${tenant}-query-${i}` }, 'created');
      }),
    );
    replies.forEach((reply, i) => expectOwn(reply.data, i % 2 === 0 ? 't0' : 't1'));
  });

  it('admits a socket naming no tenant: @SkipTenant() handlers run, the others are refused', async () => {
    const socket = await open({});
    expect((await socket.request('ping', { ref: 'p' }, 'pong')).data).toMatchObject({ tenant: null });
    const refused = await socket.request('create', { ref: 'c', name: 'nobody-writes' }, 'created');
    expect(refused).toEqual({
      event: 'exception',
      data: { error: 'TENANT_REQUIRED', statusCode: 400, message: expect.any(String) },
    });
  });

  it.each<Refused>([
    { label: 'query repeated', handshake: { query: { tenant: ['t0', 't1'] } }, code: 'TENANT_ID_INVALID' },
    { label: 'query empty', handshake: { query: { tenant: '' } }, code: 'TENANT_ID_INVALID' },
    {
      label: 'query and header disagree',
      handshake: { query: { tenant: 't0' }, headers: { 'x-tenant-id': 't1' } },
      code: 'TENANT_ID_INVALID',
    },
    { label: 'malformed', handshake: { query: { tenant: 'Bad Id!' } }, code: 'TENANT_ID_INVALID' },
    { label: 'unknown', handshake: { query: { tenant: 'nobody' } }, code: 'TENANT_NOT_FOUND' },
  ])('still refuses a named but unusable tenant: $label → $code', async ({ handshake, code }) => {
    const refused = await refusal('ws', t.url, handshake);
    expect(refused.reason).toBe(code);
  });
});

describe.each(['ws', 'socket.io'] as const)('WebSocket gateway: %s with a slow connect check', (kind) => {
  let db: TestDatabase;
  let t: GatewayTestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootGatewayApp({
      kind,
      platform: 'express',
      databaseUrl: db.appUrl,
      store: new SlowTenantStore(TEST_TENANTS),
      tenancy: { cache: { ttlMs: 0 } },
      secondGateway: true,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('loses no message sent while the check runs, and handles none before it passed', async () => {
    const socket = await connect(kind, t.url, { headers: { 'x-tenant-id': 't6' } });
    try {
      // Sent at once on open: on ws the check (300 ms) is still running.
      const replies = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          socket.request('create', { ref: `s${i}`, name: `t6-slow-${i}` }, 'created'),
        ),
      );
      for (const reply of replies) expectOwn(reply.data, 't6');
      const handlers = t.calls.map((c) => c.handler);
      expect(handlers.indexOf('connect')).toBeLessThan(handlers.indexOf('create'));
      // Two gateways on one server: both connected inside the tenant, after one check; both answer.
      const connects = t.calls.filter((c) => c.handler.startsWith('connect'));
      expect(connects.sort((x, y) => x.handler.localeCompare(y.handler))).toEqual([
        { handler: 'connect', tenant: 't6', socketTenant: 't6' },
        { handler: 'connect2', tenant: 't6', socketTenant: 't6' },
      ]);
      expect((await socket.request('whoami', { ref: 'w' }, 'whoami')).data).toMatchObject({ tenant: 't6' });
    } finally {
      await socket.close();
    }
  });
});

describe("WebSocket gateway with Nest's own IoAdapter (the socket was never checked)", () => {
  let db: TestDatabase;
  let t: GatewayTestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootGatewayApp({ kind: 'socket.io', platform: 'express', databaseUrl: db.appUrl, plainAdapter: true });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('refuses its messages (TENANT_REQUIRED, naming the adapters) rather than guess a tenant', async () => {
    const socket = await connect('socket.io', t.url, { headers: { 'x-tenant-id': 't0' } });
    try {
      const refused = await socket.request('create', { ref: 'x', name: 't0-plain' }, 'created');
      expect(refused.event).toBe('exception');
      expect(refused.data).toMatchObject({ error: 'TENANT_REQUIRED', statusCode: 400 });
      expect(refused.data.message).toContain('TenancyIoAdapter');
      expect((await rowsByTenant(db, ['t0'])).get('t0')).toEqual([]);
    } finally {
      await socket.close();
    }
  });
});

describe('WebSocket gateway on the schema strategy', () => {
  let db: TestDatabase;
  let t: GatewayTestApp;

  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(['t0', 't1']);
    t = await bootGatewayApp({
      kind: 'socket.io',
      platform: 'fastify',
      databaseUrl: db.appUrl,
      tenancy: { strategy: 'schema', strategies: ['schema'] },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("runs each socket's messages in its tenant's schema: two tenants, interleaved", async () => {
    const header = (tenant: string): Handshake => ({ headers: { 'x-tenant-id': tenant } });
    const [a, b] = await Promise.all([
      connect('socket.io', t.url, header('t0')),
      connect('socket.io', t.url, header('t1')),
    ]);
    try {
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const tenant = i % 2 === 0 ? 't0' : 't1';
          return (i % 2 === 0 ? a : b).request('create', { ref: `m${i}`, name: `${tenant}-schema-${i}` }, 'created');
        }),
      );
      replies.forEach((reply, i) => expectOwn(reply.data, i % 2 === 0 ? 't0' : 't1'));
      const rows = await rowsByTenant(db, ['t0', 't1'], true);
      for (const [tenant, names] of rows) {
        expect(names).toHaveLength(6);
        for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe.each(['ws', 'socket.io'] as const)('WebSocket gateway: %s behind an async app guard', (kind) => {
  let db: TestDatabase;
  let t: GatewayTestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootGatewayApp({
      kind,
      platform: 'express',
      databaseUrl: db.appUrl,
      slowGuard: true,
      store: new FailingTenantStore(TEST_TENANTS),
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('still runs every message in its own tenant: two tenants interleaved on two sockets', async () => {
    const [a, b] = await Promise.all([
      connect(kind, t.url, { headers: { 'x-tenant-id': 't0' } }),
      connect(kind, t.url, { headers: { 'x-tenant-id': 't1' } }),
    ]);
    try {
      const replies = await Promise.all(
        Array.from({ length: 16 }, (_, i) => {
          const tenant = i % 2 === 0 ? 't0' : 't1';
          return (i % 2 === 0 ? a : b).request('create', { ref: `g${i}`, name: `${tenant}-guard-${i}` }, 'created');
        }),
      );
      replies.forEach((reply, i) => expectOwn(reply.data, i % 2 === 0 ? 't0' : 't1'));
      const rows = await rowsByTenant(db, ['t0', 't1']);
      for (const [tenant, names] of rows) {
        expect(names).toHaveLength(8);
        for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
      await eventually(() => t.calls.filter((c) => c.handler === 'disconnect').length === 2, 'both disconnects');
    }
  });

  it('refuses a socket whose check fails unexpectedly (the store down), without details', async () => {
    const before = t.calls.length;
    const refused = await refusal(kind, t.url, { headers: { 'x-tenant-id': 'boom' } });
    if (kind === 'ws') expect(refused).toEqual({ code: 1011, reason: 'INTERNAL_ERROR' });
    else expect(refused).toEqual({ message: 'Internal server error', data: undefined });
    expect(t.calls.slice(before)).toEqual([]);
  });
});
