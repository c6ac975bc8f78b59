import { TenantCache } from '../../../lib';
import { createTestDatabase, type TestDatabase } from '../../support';
import { expectOwn, rowsByTenant } from './gateway-rows';
import {
  bootGatewayApp,
  type GatewayCall,
  type GatewayTestApp,
  type PlatformName,
  type SocketKind,
} from './gateway-app';
import { connect, eventually, type Handshake, refusal, type TestSocket } from './socket-client';

const REFUSALS: { label: string; handshake: Handshake; code: string; status: number }[] = [
  { label: 'missing', handshake: {}, code: 'TENANT_REQUIRED', status: 400 },
  { label: 'malformed', handshake: { headers: { 'x-tenant-id': 'Bad Id!' } }, code: 'TENANT_ID_INVALID', status: 400 },
  { label: 'unknown', handshake: { headers: { 'x-tenant-id': 'nobody' } }, code: 'TENANT_NOT_FOUND', status: 404 },
  { label: 'inactive', handshake: { headers: { 'x-tenant-id': 'suspended1' } }, code: 'TENANT_INACTIVE', status: 403 },
  {
    // Read only when the adapter is told to (queryParam, authField).
    label: 'only in the query and the auth payload',
    handshake: { query: { tenant: 't0' }, auth: { tenantId: 't0' } },
    code: 'TENANT_REQUIRED',
    status: 400,
  },
  {
    label: 'repeated header',
    handshake: { headers: { 'x-tenant-id': ['t0', 't1'] } },
    code: 'TENANT_ID_INVALID',
    status: 400,
  },
];

const header = (tenant: string): Handshake => ({ headers: { 'x-tenant-id': tenant } });

const COMBOS: [SocketKind, PlatformName][] = [
  ['socket.io', 'express'],
  ['socket.io', 'fastify'],
  ['ws', 'express'],
  ['ws', 'fastify'],
];

describe.each(COMBOS)('WebSocket gateway: %s on %s', (kind, platform) => {
  let db: TestDatabase;
  let t: GatewayTestApp;
  const sockets: TestSocket[] = [];
  const open = async (handshake: Handshake): Promise<TestSocket> => {
    const socket = await connect(kind, t.url, handshake);
    sockets.push(socket);
    return socket;
  };
  const calls = (handler: string, from = 0): GatewayCall[] => t.calls.slice(from).filter((c) => c.handler === handler);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await bootGatewayApp({ kind, platform, databaseUrl: db.appUrl });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    // The server sees the closes later: wait, so no test sees the previous one's handleDisconnect.
    await eventually(() => calls('connect').length === calls('disconnect').length, 'every handleDisconnect');
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("runs each socket's messages in its own tenant: two tenants on concurrent sockets, interleaved", async () => {
    const [a, b] = await Promise.all([open(header('t0')), open(header('t1'))]);
    // All in flight at once, alternating sockets.
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => {
        const tenant = i % 2 === 0 ? 't0' : 't1';
        return (i % 2 === 0 ? a : b).request('create', { ref: `r${i}`, name: `${tenant}-msg-${i}` }, 'created');
      }),
    );
    replies.forEach((reply, i) => {
      expect(reply.event).toBe('created');
      expectOwn(reply.data, i % 2 === 0 ? 't0' : 't1');
    });
    const rows = await rowsByTenant(db, ['t0', 't1']);
    for (const [tenant, names] of rows) {
      expect(names.filter((n) => n.includes('-msg-'))).toHaveLength(8);
      for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
    }
  });

  it('runs every emission of a handler that returns an Observable in the tenant', async () => {
    const [a, b] = await Promise.all([open(header('t0')), open(header('t1'))]);
    await Promise.all([
      a.request('create', { ref: 's0', name: 't0-stream-seed' }, 'created'),
      b.request('create', { ref: 's1', name: 't1-stream-seed' }, 'created'),
    ]);
    a.emit('stream', { ref: 'sa' });
    b.emit('stream', { ref: 'sb' });
    for (const [socket, ref, tenant] of [
      [a, 'sa', 't0'],
      [b, 'sb', 't1'],
    ] as const)
      for (let i = 0; i < 3; i++) {
        const message = await socket.inbox.next((m) => m.event === 'streamed' && m.data.ref === ref, `${ref} #${i}`);
        expectOwn(message.data, tenant);
        expect(message.data.seen).toContain(`${tenant}-stream-seed`);
      }
  });

  it('handles messages sent right after the socket opens, while the connect check may still run', async () => {
    const socket = await open(header('t2'));
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) => socket.request('create', { ref: `e${i}`, name: `t2-early-${i}` }, 'created')),
    );
    for (const reply of replies) expectOwn(reply.data, 't2');
  });

  it.each(REFUSALS)('refuses a socket at connect: $label → $code', async ({ handshake, code, status }) => {
    const before = t.calls.length;
    const refused = await refusal(kind, t.url, handshake);
    if (kind === 'ws') {
      expect(refused.code).toBe(4000 + status);
      expect(refused.reason).toBe(code);
    } else {
      expect(refused.data).toEqual({ error: code, statusCode: status, message: expect.any(String) });
      expect(refused.message).toBe((refused.data as { message: string }).message);
    }
    // Neither handleConnection nor any handler ran for it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.calls.slice(before)).toEqual([]);
  });

  it('refuses the next message of a socket whose tenant was suspended while it was open', async () => {
    const socket = await open(header('t3'));
    const ok = await socket.request('create', { ref: 'before', name: 't3-before' }, 'created');
    expectOwn(ok.data, 't3');
    t.store.set({ id: 't3', status: 'suspended' });
    t.app.get(TenantCache).invalidate('t3');
    try {
      const refused = await socket.request('create', { ref: 'after', name: 't3-after' }, 'created');
      expect(refused).toEqual({
        event: 'exception',
        data: { error: 'TENANT_INACTIVE', statusCode: 403, message: expect.any(String) },
      });
      // @SkipTenant() handlers still answer on the same socket.
      const pong = await socket.request('ping', { ref: 'p' }, 'pong');
      expect(pong.data).toMatchObject({ tenant: null });
      expect((await rowsByTenant(db, ['t3'])).get('t3')).toEqual(['t3-before']);
    } finally {
      t.store.set({ id: 't3', status: 'active' });
      t.app.get(TenantCache).invalidate('t3');
    }
  });

  it('runs handleConnection inside the tenant, handleDisconnect outside it (socketTenantId names it)', async () => {
    const before = t.calls.length;
    const socket = await connect(kind, t.url, header('t4'));
    await eventually(() => calls('connect', before).length === 1, 'handleConnection');
    expect(calls('connect', before)).toEqual([{ handler: 'connect', tenant: 't4', socketTenant: 't4' }]);
    await socket.close();
    await eventually(() => calls('disconnect', before).length === 1, 'handleDisconnect');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls('disconnect', before)).toEqual([{ handler: 'disconnect', tenant: null, socketTenant: 't4' }]);
  });

  it('runs a @SkipTenant() handler without a tenant', async () => {
    const socket = await open(header('t5'));
    const pong = await socket.request('ping', { ref: 'skip' }, 'pong');
    expect(pong.data).toEqual({ handler: 'ping', tenant: null, ref: 'skip' });
  });
});
