import { Pool } from 'pg';

import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { RegistryInvalidationListener } from '../../lib/registry/registry-invalidation.listener';
import { createTestDatabase, withClient, type TestDatabase } from '../support';
import { waitFor } from './wait-for';

describe('RegistryInvalidationListener', () => {
  let db: TestDatabase;
  let pool: Pool;
  const listeners: RegistryInvalidationListener[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    pool = new Pool({ connectionString: db.ownerUrl, max: 4 });
    await new PrismaTenantStore(pool).migrate();
  });

  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((listener) => listener.stop()));
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  function listen(
    name: string,
    seen: string[],
    extra: Partial<ConstructorParameters<typeof RegistryInvalidationListener>[0]> = {},
  ) {
    const listener = new RegistryInvalidationListener({
      connection: { connectionString: db.ownerUrl, application_name: name },
      onInvalidate: (id) => seen.push(id),
      reconnectDelayMs: 20,
      ...extra,
    });
    listeners.push(listener);
    return listener;
  }

  it("carries a status change made through one store to every instance's callback, itself included", async () => {
    // Two app instances, each with its own store (pool) and listener.
    const storeA = new PrismaTenantStore(db.ownerUrl);
    const storeB = new PrismaTenantStore(db.ownerUrl);
    const seenA: string[] = [];
    const seenB: string[] = [];
    await listen('instance-a', seenA).start();
    await listen('instance-b', seenB).start();
    try {
      await storeA.create({ id: 'notify-1', status: 'active' });
      await waitFor('both instances to hear the create', () => seenA.length === 1 && seenB.length === 1);

      await storeB.setStatus('notify-1', 'suspended');
      await waitFor('both instances to hear the status change', () => seenA.length === 2 && seenB.length === 2);
      expect(seenA).toEqual(['notify-1', 'notify-1']);
      expect(seenB).toEqual(['notify-1', 'notify-1']);
      expect((await storeA.findById('notify-1'))!.status).toBe('suspended');
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });

  it('hears nothing from a failed write, nor from a store with notifyChannel: false', async () => {
    const seen: string[] = [];
    await listen('quiet', seen).start();
    const quiet = new PrismaTenantStore(pool, { notifyChannel: false });
    const loud = new PrismaTenantStore(pool);
    await quiet.create({ id: 'quiet-1' });
    await expect(loud.create({ id: 'quiet-1' })).rejects.toThrow();
    await loud.create({ id: 'loud-1' });
    await waitFor('the loud write', () => seen.length > 0);
    expect(seen).toEqual(['loud-1']);
  });

  it('listens on a custom channel', async () => {
    const seen: string[] = [];
    await listen('custom', seen, { channel: 'my_tenants' }).start();
    await new PrismaTenantStore(pool).create({ id: 'default-channel' });
    await new PrismaTenantStore(pool, { notifyChannel: 'my_tenants' }).create({ id: 'custom-channel' });
    await waitFor('the custom channel', () => seen.length > 0);
    expect(seen).toEqual(['custom-channel']);
  });

  it('reconnects after its connection is killed, resyncs, then hears changes again', async () => {
    const seen: string[] = [];
    const errors: Error[] = [];
    let resyncs = 0;
    const listener = listen('to-be-killed', seen, { onError: (e) => errors.push(e), onResync: () => resyncs++ });
    await listener.start();
    expect(listener.listening).toBe(true);

    await withClient(db.adminUrl, (admin) =>
      admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'to-be-killed'"),
    );
    await waitFor('the loss to be noticed', () => errors.length > 0);
    await waitFor('the listener to be back', () => listener.listening && resyncs === 1);

    await new PrismaTenantStore(pool).create({ id: 'after-reconnect' });
    await waitFor('the change after the reconnect', () => seen.includes('after-reconnect'));
  });

  it('rejects start() when the first connection fails, and stop() ends a retry loop', async () => {
    const bad = listen('bad', [], { connection: db.ownerUrl.replace(/\/[^/]+$/, '/no_such_database') });
    await expect(bad.start()).rejects.toThrow(/no_such_database/);
    expect(bad.listening).toBe(false);

    const listener = listen('stopped', []);
    await listener.start();
    await listener.stop();
    expect(listener.listening).toBe(false);
    const open = async () =>
      (await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'stopped'")).rows[0]
        .n;
    await waitFor('the server to drop the closed session', async () => (await open()) === 0);
  });

  it('refuses a channel that is not a plain identifier', () => {
    expect(() => listen('x', [], { channel: 'a; DROP TABLE x' })).toThrow(/registry.channel/);
  });
});
