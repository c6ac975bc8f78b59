import { createServer, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { TenantUnavailableError, type Tenant } from '../../../lib';
import { rewriteUrl, serverAdminUrl, withClient } from '../../support';
import { bootDatabaseApp, createDatabaseTenants, type DatabaseTenants, type DatabaseTestApp } from './database-app';
import { appConnections, startExtraPostgres, type ExtraPostgres } from './tenant-servers';

const CONNECT_TIMEOUT_MS = 1_000;

/** A TCP server that accepts connections and never answers: a hung database. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const elapsed = async (work: Promise<unknown>) => {
  const started = Date.now();
  const result = await work.catch((e: unknown) => e);
  return { result, ms: Date.now() - started };
};

describe('database strategy: an unavailable tenant database', () => {
  let third: ExtraPostgres;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let setup: DatabaseTenants;
  let t: DatabaseTestApp;

  beforeAll(async () => {
    third = await startExtraPostgres();
    silent = await silentServer();
    // 'up' on the harness's server; 'down' on a server this test stops.
    setup = await createDatabaseTenants(['up', 'down'], [serverAdminUrl(), third.adminUrl]);
    const hung = rewriteUrl(setup.tenants[0].databaseUrl!, {}).replace(/@[^/]+\//, `@127.0.0.1:${silent.port}/`);
    const tenants: Tenant[] = [...setup.tenants, { id: 'hung', status: 'active', databaseUrl: hung }];
    t = await bootDatabaseApp(setup.shared.appUrl, tenants, {
      database: { connectTimeoutMs: CONNECT_TIMEOUT_MS, budgetWaitMs: 2_000 },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await setup?.drop();
    await silent?.close();
    await third?.destroy();
  }, 120_000);

  it('a server that accepts but never answers fails its tenant at connectTimeoutMs, while others are served', async () => {
    // Prisma's first query in a process loads its query compiler: not part of what is timed.
    await t.as('up', (p) => p.project.count());
    const [hung, up] = await Promise.all([
      elapsed(t.as('hung', (p) => p.project.count())),
      elapsed(t.as('up', (p) => p.project.count())),
    ]);
    expect(up.result).toBe(0);
    expect(hung.result).toBeInstanceOf(TenantUnavailableError);
    expect((hung.result as TenantUnavailableError).getStatus()).toBe(503);
    expect((hung.result as Error).message).toBe(
      'Tenant "hung" is temporarily unavailable: its database cannot be reached',
    );
    expect(hung.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
    expect(hung.ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_500); // slack for a loaded CI box
  });

  it('a server stopped mid-test fails its tenant fast with TenantUnavailableError; the other tenant keeps working; it recovers on restart', async () => {
    await t.as('down', (p) => p.project.create({ data: { name: 'before' } }));
    // A statement running when the server stops loses its connection.
    const inFlight = t.as('down', (p) => p.$queryRaw`SELECT pg_sleep(10)::text`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await third.stop();
    expect(await inFlight).toBeInstanceOf(TenantUnavailableError);

    const operations = {
      read: () => t.as('down', (p) => p.project.findMany()),
      write: () => t.as('down', (p) => p.project.create({ data: { name: 'x' } })),
      raw: () => t.as('down', (p) => p.$executeRaw`UPDATE projects SET name = 'y'`),
      batch: () => t.as('down', (p) => p.$transaction([p.project.count(), p.project.count()])),
      interactive: () => t.as('down', (p) => p.$transaction(async (tx) => tx.project.count())),
    };
    for (const [name, run] of Object.entries(operations)) {
      const [down, up] = await Promise.all([elapsed(run()), elapsed(t.as('up', (p) => p.project.count()))]);
      expect([name, down.result]).toEqual([name, expect.any(TenantUnavailableError)]);
      expect(down.ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000); // refused at once, not after a timeout
      expect(up.result).toEqual(expect.any(Number));
    }
    expect(t.strategy.connectionBudget().inUse()).toBeLessThanOrEqual(t.strategy.clientPool().stats().openConnections);

    await third.start();
    expect((await t.as('down', (p) => p.project.findMany())).map((r) => r.name)).toEqual(['before']);
  });

  it('a connection lost mid-statement or at COMMIT fails with TenantUnavailableError, commits nothing, and is not reused', async () => {
    const terminate = (pid: number) =>
      withClient(serverAdminUrl(), (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
    const pidOf = async (p: { $queryRaw: (s: TemplateStringsArray) => Promise<unknown> }) =>
      ((await p.$queryRaw`SELECT pg_backend_pid() AS pid`) as Array<{ pid: number }>)[0].pid;

    // Killed between the last statement and COMMIT: Prisma's COMMIT meets a dead connection.
    const atCommit = await t
      .as('up', (p) =>
        p.$transaction(async (tx) => {
          await tx.project.create({ data: { name: 'lost-at-commit' } });
          await terminate(await pidOf(tx));
          await new Promise((r) => setTimeout(r, 100));
        }),
      )
      .catch((e: unknown) => e);
    expect(atCommit).toBeInstanceOf(TenantUnavailableError);
    expect((atCommit as TenantUnavailableError).message).toBe(
      'Tenant "up" is temporarily unavailable: its database connection was lost',
    );

    // Killed under a plain read.
    const pid = await t.as('up', (p) => pidOf(p));
    const underRead = t.as('up', (p) => p.$queryRaw`SELECT pg_sleep(5)::text`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await terminate(pid);
    expect(await underRead).toBeInstanceOf(TenantUnavailableError);

    // Nothing was committed, and the next requests get live connections.
    for (let i = 0; i < 3; i++)
      expect(await t.as('up', (p) => p.project.count({ where: { name: 'lost-at-commit' } }))).toBe(0);
  });

  it('a plain read that loses its connection (run straight on the tenant pool) fails with TenantUnavailableError; the next read works', async () => {
    await t.as('up', (p) => p.project.count()); // an idle connection is ready: reads go straight to the tenant's pg pool
    const database = setup.databases.get('up')!.name;
    const admin = new Client({ connectionString: rewriteUrl(serverAdminUrl(), { database }) });
    await admin.connect();
    try {
      // Hold the read on a lock, then end its backend under it.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE projects IN ACCESS EXCLUSIVE MODE');
      const read = t.as('up', (p) => p.project.findMany()).catch((e: unknown) => e);
      let pid: number | undefined;
      for (let i = 0; i < 100 && pid === undefined; i++) {
        const { rows } = await admin.query(
          "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
          [database],
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(pid).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await read;
      expect(error).toBeInstanceOf(TenantUnavailableError);
      expect((error as Error).message).toBe('Tenant "up" is temporarily unavailable: its database connection was lost');
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
    }
    expect(await t.as('up', (p) => p.project.count())).toEqual(expect.any(Number));
  });

  it('app.close() ends every pool: no connection left on the servers, the budget empty, no socket left open', async () => {
    // Alone on the databases: the suite's app leaves first.
    await t.close();
    t = undefined as unknown as DatabaseTestApp;
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    const app = await bootDatabaseApp(setup.shared.appUrl, setup.tenants, { database: { connectTimeoutMs: 5_000 } });
    await Promise.all(
      ['up', 'down'].flatMap((id) => [0, 1, 2].map(() => app.as(id, (p) => p.$queryRaw`SELECT pg_sleep(0.05)::text`))),
    );
    // A client kept past the request, as a careless caller might.
    const kept = await app.as('up', async (p) => p);
    expect(app.strategy.connectionBudget().inUse()).toBeGreaterThan(0);
    await app.close();
    expect(app.strategy.connectionBudget().inUse()).toBe(0);
    await expect(app.context.run('up', () => kept.project.count())).rejects.toBeInstanceOf(TenantUnavailableError);
    expect(await appConnections(serverAdminUrl(), [setup.databases.get('up')!])).toBe(0);
    expect(await appConnections(third.adminUrl, [setup.databases.get('down')!])).toBe(0);
    expect(sockets()).toBeLessThanOrEqual(before);
  });
});
