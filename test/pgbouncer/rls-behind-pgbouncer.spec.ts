import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { PrismaClient } from '../fixtures/generated/client';
import { sharedModelScope } from '../../lib/strategies/rls/rls-scope';
import type { RlsTenantPool } from '../../lib/strategies/rls/rls-tenant.pool';
import type { RlsTenancyStrategy } from '../../lib/strategies/rls/rls.strategy';
import type { TenancyStrategyRouter } from '../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../lib/tenancy.internal-constants';
import { createTestDatabase, serverAdminUrl, withClient, type TestDatabase } from '../support';
import { describeWithPgBouncer as pgBouncerSuite, startPgBouncer, type PgBouncer } from '../support/pgbouncer';
import { expectCleanServerConnections, leaveSessionState } from './server-session-state';
import { bootRlsApp, type RlsTestApp } from '../strategies/rls/rls-app';

// Server connections PgBouncer opens per database/user pair: far fewer than
// the app's 20 client connections, so one server connection serves many
// tenants one after another, and whatever a transaction leaves on it is seen
// by the next client that gets it.
const SERVER_POOL_SIZE = 2;
const APP_POOL_MAX = 20;
const SETTING_SQL = `SELECT current_setting('app.tenant_id', true) AS s`;

const describeWithPgBouncer = pgBouncerSuite('the RLS PgBouncer suite');

type SettingPool = Pick<RlsTenantPool, 'query' | 'totalCount'>;

function rlsPool(t: RlsTestApp): SettingPool {
  const strategy = t.app
    .get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY)
    .get('rls') as RlsTenancyStrategy<PrismaClient>;
  return (strategy as unknown as { pool: SettingPool }).pool;
}

/** A statement with no tenant, the way a shared-model query reaches the pool: no BEGIN, no set_config. */
async function bareSetting(t: RlsTestApp): Promise<string> {
  const result = await sharedModelScope.run(true, () => rlsPool(t).query(SETTING_SQL));
  return (result.rows[0] as { s: string | null }).s ?? '';
}

/** What a client that is not this library sees through PgBouncer, `times` transactions in a row. */
async function plainSettings(url: string, times: number): Promise<string[]> {
  return withClient(url, async (client: Client) => {
    const seen: string[] = [];
    for (let i = 0; i < times; i += 1)
      seen.push((await client.query<{ s: string | null }>(SETTING_SQL)).rows[0].s ?? '');
    return seen;
  });
}

describeWithPgBouncer(
  `RLS behind a real PgBouncer (pool_mode = transaction, ${SERVER_POOL_SIZE} server connections)`,
  () => {
    let db: TestDatabase;
    let bouncer: PgBouncer;
    let appUrl: string;

    beforeAll(async () => {
      db = await createTestDatabase();
      bouncer = await startPgBouncer(serverAdminUrl(), { poolSize: SERVER_POOL_SIZE });
      appUrl = bouncer.url(db.appUrl);
    });
    afterAll(async () => {
      await bouncer?.stop();
      await db?.drop();
    });

    describe("rls.mode: 'transaction' (the default)", () => {
      let t: RlsTestApp;
      beforeAll(async () => {
        t = await bootRlsApp(appUrl, { rls: { mode: 'transaction' }, pool: { max: APP_POOL_MAX } });
      });
      afterAll(async () => {
        await t?.close();
      });

      it('500 interleaved concurrent operations across 10 tenants each see only their own rows and setting', async () => {
        const tenants = Array.from({ length: 10 }, (_, i) => `t${i}`);
        const ids = new Map<string, string>();
        for (const id of tenants)
          ids.set(id, (await t.as(id, (p) => p.project.create({ data: { name: `own-${id}` } }))).id);

        type Seen = {
          tenant: string;
          kind: string;
          settings: string[];
          tenantIds: string[];
          foreign?: unknown;
          pid?: number;
        };
        const ops = Array.from({ length: 500 }, (_, i): Promise<Seen> => {
          const tenant = tenants[i % 10];
          const other = tenants[(i + 3) % 10];
          return t.as(tenant, async (p) => {
            await new Promise((r) => setTimeout(r, Math.random() * 5));
            switch (i % 5) {
              case 0: {
                const all = await p.project.findMany({ where: { name: { startsWith: 'own-' } } });
                return { tenant, kind: 'findMany', settings: [], tenantIds: all.map((r) => r.tenantId) };
              }
              case 1: {
                // findUnique calls in one tick are batched by Prisma: mix own and foreign ids.
                const [own, foreign] = await Promise.all([
                  p.project.findUnique({ where: { id: ids.get(tenant)! } }),
                  p.project.findUnique({ where: { id: ids.get(other)! } }),
                ]);
                return { tenant, kind: 'findUnique', settings: [], tenantIds: own ? [own.tenantId] : [], foreign };
              }
              case 2: {
                const [row] = await p.$queryRaw<
                  { s: string; pid: number }[]
                >`SELECT current_setting('app.tenant_id', true) AS s, pg_backend_pid() AS pid`;
                return { tenant, kind: 'raw', settings: [row.s], tenantIds: [], pid: row.pid };
              }
              case 3: {
                const created = await p.project.create({ data: { name: `op-${i}` } });
                return { tenant, kind: 'create', settings: [], tenantIds: [created.tenantId] };
              }
              default: {
                // 100 interactive transactions queue for 2 server connections:
                // allow them longer than Prisma's default 2 s to start.
                return p.$transaction(
                  async (tx) => {
                    const created = await tx.project.create({ data: { name: `tx-${i}` } });
                    const [row] = await tx.$queryRaw<
                      { s: string; pid: number }[]
                    >`SELECT current_setting('app.tenant_id', true) AS s, pg_backend_pid() AS pid`;
                    const visible = await tx.project.findMany({ select: { tenantId: true } });
                    return {
                      tenant,
                      kind: 'transaction',
                      settings: [row.s],
                      tenantIds: [created.tenantId, ...visible.map((r) => r.tenantId)],
                      pid: row.pid,
                    };
                  },
                  { maxWait: 30_000, timeout: 30_000 },
                );
              }
            }
          });
        });
        // Statements without a tenant, racing the tenant ones on the same few server connections.
        const bare = Array.from({ length: 50 }, async () => {
          await new Promise((r) => setTimeout(r, Math.random() * 20));
          return bareSetting(t);
        });

        const results = await Promise.all(ops);
        expect(await Promise.all(bare)).toEqual(Array(50).fill(''));
        // Every setting and every row an operation saw belongs to its own tenant.
        const foreign = results.filter(
          (r) => r.settings.some((x) => x !== r.tenant) || r.tenantIds.some((x) => x !== r.tenant),
        );
        expect(foreign).toEqual([]);
        for (const r of results) {
          if (r.kind === 'findUnique') {
            expect(r.tenantIds).toEqual([r.tenant]);
            expect(r.foreign).toBeNull();
          }
          if (r.kind === 'findMany') expect(r.tenantIds).toEqual([r.tenant]);
          if (r.kind === 'raw' || r.kind === 'transaction') expect(r.settings).toEqual([r.tenant]);
        }

        // It really went through PgBouncer's multiplexing: many client
        // connections, at most SERVER_POOL_SIZE server backends, each of which
        // served several tenants in turn.
        expect(rlsPool(t).totalCount).toBeGreaterThan(SERVER_POOL_SIZE);
        const tenantsByBackend = new Map<number, Set<string>>();
        for (const r of results)
          if (r.pid !== undefined)
            tenantsByBackend.set(r.pid, (tenantsByBackend.get(r.pid) ?? new Set()).add(r.tenant));
        expect(tenantsByBackend.size).toBeGreaterThanOrEqual(1);
        expect(tenantsByBackend.size).toBeLessThanOrEqual(SERVER_POOL_SIZE);
        for (const served of tenantsByBackend.values()) expect(served.size).toBeGreaterThan(1);
        const backends = await withClient(db.adminUrl, async (admin) => {
          const { rows } = await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND usename = 'tenancy_app'`,
          );
          return rows[0].n;
        });
        expect(backends).toBeLessThanOrEqual(SERVER_POOL_SIZE);
      }, 60_000);

      it('a statement without a tenant sees no setting, right after tenant statements on the same server connections', async () => {
        for (let round = 0; round < 20; round += 1) {
          const tenant = `t${round % 10}`;
          const seen = await t.as(tenant, async (p) => {
            const [{ s }] = await p.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id', true) AS s`;
            const inTx = await p.$transaction(
              async (tx) =>
                (await tx.$queryRaw<{ s: string }[]>`SELECT current_setting('app.tenant_id', true) AS s`)[0].s,
            );
            return [s, inTx];
          });
          expect(seen).toEqual([tenant, tenant]);
          // Through the library's own pool, and through a client that is not the library at all.
          expect(await bareSetting(t)).toBe('');
          expect(await plainSettings(appUrl, 2 * SERVER_POOL_SIZE)).toEqual(Array(2 * SERVER_POOL_SIZE).fill(''));
        }
        // Tables are still protected for a plain client: no tenant, no rows.
        expect(
          await withClient(appUrl, async (c) => (await c.query('SELECT count(*)::int AS n FROM projects')).rows[0].n),
        ).toBe(0);
      });

      it('a transaction that throws rolls back, and leaves no setting behind', async () => {
        await t.as('t6', async (p) => {
          await expect(
            p.$transaction(async (tx) => {
              await tx.project.create({ data: { name: 'doomed1' } });
              await tx.$executeRaw`INSERT INTO projects (id, name) VALUES ('doomed-raw', 'doomed2')`;
              throw new Error('boom');
            }),
          ).rejects.toThrow('boom');
          await expect(
            p.$transaction(async (tx) => {
              await tx.project.create({ data: { id: 'dup', name: 'doomed3' } });
              await tx.project.create({ data: { id: 'dup', name: 'doomed4' } });
            }),
          ).rejects.toThrow();
          await expect(
            p.$transaction([p.project.create({ data: { name: 'doomed5' } }), p.$executeRaw`SELECT 1/0`]),
          ).rejects.toThrow();
          expect(await p.project.count({ where: { name: { startsWith: 'doomed' } } })).toBe(0);
        });
        // Checked as the superuser, so RLS hides nothing.
        const left = await withClient(
          db.adminUrl,
          async (admin) =>
            (await admin.query(`SELECT count(*)::int AS n FROM projects WHERE name LIKE 'doomed%'`)).rows[0].n,
        );
        expect(left).toBe(0);
        expect(await bareSetting(t)).toBe('');
        expect(await plainSettings(appUrl, 2 * SERVER_POOL_SIZE)).toEqual(Array(2 * SERVER_POOL_SIZE).fill(''));
      });

      // PgBouncer gives a server connection to another client as soon as a
      // transaction ends, so the package's reset before a connection's next
      // use comes too late there: session state raw SQL leaves (a temporary
      // table shadowing a tenant table, a search_path, a session-level tenant
      // setting, a role) is undone inside the transaction, before COMMIT.
      it.each([
        ['a single raw statement', false],
        ['an interactive transaction', true],
      ])('session state left by %s never reaches another client of PgBouncer', async (_name, inTx) => {
        const leave = [
          'CREATE TEMP TABLE projects AS SELECT * FROM projects',
          'SET search_path TO pg_catalog, public',
          "SELECT set_config('app.tenant_id', 't1', false)",
          'SET ROLE tenancy_app',
        ];
        await t.as('t1', (p) =>
          p.project.upsert({
            where: { id: 'pgb-temp-t1' },
            create: { id: 'pgb-temp-t1', name: 'secret of t1' },
            update: {},
          }),
        );
        // Every server connection, seen by a client that is not the library.
        await leaveSessionState(t, 't1', leave, inTx, () =>
          expectCleanServerConnections(appUrl, SERVER_POOL_SIZE, 'SELECT count(*)::int FROM projects'),
        );
      });
    });

    // The negative control: the same harness catches a leak when there is one.
    // With server_round_robin = 0 (the default) PgBouncer hands out the most
    // recently used server connection first, so these sequences are deterministic.
    describe("rls.mode: 'session' (documented as unsafe behind transaction pooling)", () => {
      // One raw statement: the setting it ran under, and the rows the policies let
      // it see (raw SQL is scoped by the setting alone). Raw SQL marks its
      // connection for a reset before the next use, so both are read at once.
      const readAs = (app: RlsTestApp, tenant: string) =>
        app.as(tenant, async (p) => {
          const [row] = await p.$queryRaw<{ s: string; rows: string[] }[]>`
          SELECT current_setting('app.tenant_id', true) AS s, ARRAY(SELECT DISTINCT tenant_id FROM projects ORDER BY 1) AS rows`;
          return { s: row.s, rows: row.rows };
        });
      // A model read: sets the tenant on the connection (session mode remembers
      // it) without marking the connection for a reset, as most reads do.
      const modelRead = (app: RlsTestApp, tenant: string) =>
        app.as(tenant, async (p) => [...new Set((await p.project.findMany()).map((r) => r.tenantId))]);
      const bootSessionApp = () => bootRlsApp(appUrl, { rls: { mode: 'session' }, pool: { max: 1 } });

      beforeAll(async () => {
        // Rows for t7 and t8, written as the superuser: a session-mode write behind PgBouncer could land in the wrong tenant.
        await withClient(db.adminUrl, (admin) =>
          admin.query(
            `INSERT INTO projects (id, tenant_id, name) VALUES ('leak-t7', 't7', 'leak-t7'), ('leak-t8', 't8', 'leak-t8')`,
          ),
        );
      });

      it("a session-mode app's tenant leaks to another client of PgBouncer", async () => {
        const app = await bootSessionApp();
        try {
          expect(await readAs(app, 't7')).toEqual({ s: 't7', rows: ['t7'] });
          // A client that never named a tenant gets that server connection, and runs as t7.
          expect(await plainSettings(appUrl, 1)).toEqual(['t7']);
          const rows = await withClient(
            appUrl,
            async (c) => (await c.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM projects')).rows,
          );
          expect(rows.map((r) => r.tenant_id)).toEqual(['t7']);
        } finally {
          await app.close();
        }
      });

      it("two replicas of a session-mode app behind one PgBouncer: one serves a tenant with the other tenant's setting and rows", async () => {
        // Two instances of the same service (any deployment with more than one
        // pod), one client connection each. Each believes its connection still
        // carries the tenant it set last; PgBouncer disagrees.
        const [x, y] = await Promise.all([bootSessionApp(), bootSessionApp()]);
        try {
          // Each replica's fresh connection sets its tenant, and sees it.
          expect(await modelRead(x, 't7')).toEqual(['t7']);
          expect(await modelRead(y, 't8')).toEqual(['t8']);
          // x's connection "carries" t7, so x sends no set_config, and PgBouncer
          // gives it the server connection y just used: x serves t7 with t8's data.
          expect(await readAs(x, 't7')).toEqual({ s: 't8', rows: ['t8'] });
        } finally {
          await Promise.all([x.close(), y.close()]);
        }
      });
    });

    // PgBouncer 1.18 (Debian's) does not follow named statements across server
    // connections: a client's statement may be missing on the server it gets
    // next, or already there under its name from another client. The
    // statement cache (on by default) must fail safe there: the statement is
    // retried unnamed, every answer is right, no caller sees an error, and
    // the pool turns its cache off with a warning.
    describe('rls.statementCacheSize behind transaction pooling that does not keep named statements', () => {
      let t: RlsTestApp;
      let warn: jest.SpyInstance;
      beforeAll(async () => {
        warn = jest.spyOn(Logger.prototype, 'warn');
        t = await bootRlsApp(appUrl, {
          rls: { mode: 'transaction', statementCacheSize: 20 },
          pool: { max: APP_POOL_MAX },
        });
      });
      afterAll(async () => {
        warn?.mockRestore();
        await t?.close();
      });

      it('300 concurrent operations across 10 tenants: every one succeeds and sees only its own rows', async () => {
        const tenants = Array.from({ length: 10 }, (_, i) => `t${i}`);
        const ids = new Map<string, string>();
        for (const id of tenants)
          ids.set(id, (await t.as(id, (p) => p.project.create({ data: { name: `cached-${id}` } }))).id);
        const ops = Array.from({ length: 300 }, (_, i) => {
          const tenant = tenants[i % 10];
          const other = tenants[(i + 7) % 10];
          return t
            .as(tenant, async (p) => {
              await new Promise((r) => setTimeout(r, Math.random() * 3));
              switch (i % 4) {
                case 0:
                  return (await p.project.findMany({ where: { name: { startsWith: 'cached-' } } })).map(
                    (r) => r.tenantId,
                  );
                case 1:
                  return (await p.project.findFirst({ where: { id: ids.get(other) } })) === null ? [] : ['foreign row'];
                case 2: {
                  const row = await p.project.findFirst({ where: { id: ids.get(tenant) } });
                  return row ? [row.tenantId] : ['own row missing'];
                }
                default: {
                  const created = await p.project.create({ data: { name: `cached-extra-${i}` } });
                  await p.project.delete({ where: { id: created.id } });
                  return [created.tenantId];
                }
              }
            })
            .then((seen) => ({ tenant, seen }));
        });
        const results = await Promise.all(ops);
        for (const { tenant, seen } of results) expect(seen.every((s) => s === tenant)).toBe(true);
        const off = warn.mock.calls.filter(([message]) => String(message).includes('statementCacheSize turned off'));
        expect(off).toHaveLength(1);
        expect((rlsPool(t) as unknown as { statements: { enabled: boolean } }).statements.enabled).toBe(false);
      });
    });
  },
);
