import { Logger } from '@nestjs/common';
import type { PrismaClient } from '../fixtures/generated/client';
import type { TenancyStrategyRouter } from '../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../lib/tenancy.internal-constants';
import { type TestDatabase, serverAdminUrl } from '../support';
import { describeWithPgBouncer as pgBouncerSuite, startPgBouncer, type PgBouncer } from '../support/pgbouncer';
import { bootRlsApp, type RlsTestApp } from '../strategies/rls/rls-app';
import { expectInterleavedIsolation } from '../strategies/interleaved-operations';
import { createSchemaTenantsDatabase } from '../strategies/schema/schema-tenants';
import { expectCleanServerConnections, leaveSessionState } from './server-session-state';

// The schema strategy behind PgBouncer in transaction pooling: one shared pg
// pool of 20 client connections multiplexed onto 2 server connections, so
// every server connection serves many tenants one after another. Reads are
// schema-qualified; raw SQL, writes and transactions get the tenant's
// search_path transaction-locally. Whatever one of them leaves on a server
// connection is seen by the next client PgBouncer gives it to, which is why
// the package undoes raw SQL's session state before COMMIT and not only
// before the connection's next use by the package.
const SERVER_POOL_SIZE = 2;
const TENANTS = Array.from({ length: 10 }, (_, i) => `t${i}`);

const describeWithPgBouncer = pgBouncerSuite('the schema PgBouncer suite');

describeWithPgBouncer(
  `schema strategy behind a real PgBouncer (pool_mode = transaction, ${SERVER_POOL_SIZE} server connections)`,
  () => {
    let db: TestDatabase;
    let bouncer: PgBouncer;
    let appUrl: string;
    let t: RlsTestApp;

    beforeAll(async () => {
      db = await createSchemaTenantsDatabase(TENANTS);
      bouncer = await startPgBouncer(serverAdminUrl(), { poolSize: SERVER_POOL_SIZE });
      appUrl = bouncer.url(db.appUrl);
      t = await bootRlsApp(appUrl, { strategy: 'schema', strategies: ['schema'], pool: { max: 20 } });
    });
    afterAll(async () => {
      await t?.close();
      await bouncer?.stop();
      await db?.drop();
    });

    const expectClean = () => expectCleanServerConnections(appUrl, SERVER_POOL_SIZE);

    it('400 interleaved concurrent operations across 10 tenants each see only their own rows and setting', async () => {
      await expectInterleavedIsolation(t, TENANTS, { count: 400 });
      await expectClean();
    });

    it("unqualified raw SQL of 10 tenants at once reads each tenant's own table", async () => {
      for (const id of TENANTS)
        await t.as(id, (p) =>
          p.project.upsert({
            where: { id: `raw-${id}` },
            create: { id: `raw-${id}`, name: `raw of ${id}` },
            update: {},
          }),
        );
      const seen = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const tenant = TENANTS[i % TENANTS.length];
          return t.as(tenant, async (p) => {
            await new Promise((r) => setTimeout(r, Math.random() * 5));
            const rows = await p.$queryRawUnsafe<{ tenant_id: string }[]>(
              "SELECT DISTINCT tenant_id FROM projects WHERE id LIKE 'raw-%'",
            );
            return { tenant, seen: rows.map((r) => r.tenant_id) };
          });
        }),
      );
      for (const r of seen) expect(r.seen).toEqual([r.tenant]);
    });

    // A client that is not the package (another service on the same role, a
    // script) leaves a temporary table named like a tenant table on every
    // server connection, filled with t1's rows: the package's cleanup cannot
    // reach it, and PostgreSQL searches pg_temp first unless it is named.
    it("a temporary table another client of PgBouncer left does not shadow a tenant's table in raw SQL", async () => {
      await t.as('t1', (p) =>
        p.project.upsert({ where: { id: 'foreign-t1' }, create: { id: 'foreign-t1', name: 'secret' }, update: {} }),
      );
      const { Client } = await import('pg');
      const clients = Array.from({ length: SERVER_POOL_SIZE }, () => new Client({ connectionString: appUrl }));
      await Promise.all(clients.map((c) => c.connect()));
      try {
        // Concurrent transactions: each holds a server connection of its own until COMMIT.
        for (const c of clients) await c.query('BEGIN');
        for (const c of clients) {
          await c.query('CREATE TEMP TABLE projects AS SELECT * FROM tenant_t1.projects');
          expect((await c.query('SELECT pg_my_temp_schema()::int AS n')).rows[0].n).not.toBe(0);
        }
        for (const c of clients) await c.query('COMMIT');
        for (const id of TENANTS.filter((x) => x !== 't1')) {
          for (let i = 0; i < 2 * SERVER_POOL_SIZE; i += 1) {
            const seen = await t.as(id, (p) =>
              p.$queryRawUnsafe<{ tenant_id: string }[]>('SELECT DISTINCT tenant_id FROM projects'),
            );
            expect(seen.map((r) => r.tenant_id)).not.toContain('t1');
          }
        }
      } finally {
        for (const c of clients) await c.query('BEGIN').catch(() => undefined);
        for (const c of clients) await c.query('DISCARD TEMP').catch(() => undefined);
        for (const c of clients) await c.query('COMMIT').catch(() => undefined);
        await Promise.all(clients.map((c) => c.end()));
      }
      await expectClean();
    });

    it.each([
      ['a single raw statement', false],
      ['an interactive transaction', true],
    ])('session state left by %s never reaches another tenant or client of PgBouncer', async (_name, inTx) => {
      // A temporary table named like a tenant table comes first on an
      // unqualified name: on a server connection another tenant gets next,
      // it would hand that tenant t1's rows.
      const leave = [
        'CREATE TEMP TABLE projects AS SELECT * FROM projects',
        'SET search_path TO tenant_t1',
        "SELECT set_config('app.tenant_id', 't1', false)",
        'SET ROLE tenancy_app',
      ];
      await t.as('t1', (p) =>
        p.project.upsert({ where: { id: 'pgb-t1' }, create: { id: 'pgb-t1', name: 'secret of t1' }, update: {} }),
      );
      await leaveSessionState(t, 't1', leave, inTx, expectClean);
      // Every other tenant, on whichever server connection it gets, in raw SQL and through Prisma.
      for (const id of TENANTS.filter((x) => x !== 't1')) {
        const seen = await t.as(id, async (p) => ({
          raw: (await p.$queryRawUnsafe<{ id: string }[]>("SELECT id FROM projects WHERE id = 'pgb-t1'")).length,
          model: await p.project.count({ where: { id: 'pgb-t1' } }),
        }));
        expect(seen).toEqual({ raw: 0, model: 0 });
      }
    });

    // PgBouncer 1.18 (Debian's) does not follow named statements across server
    // connections: a statement may be missing on the server a client gets
    // next, or there already from another client. The statement cache (on by
    // default) must fail safe: the statement runs again unnamed, every answer
    // is right, no caller sees an error, and the cache turns off with a warning.
    describe('schema.statementCacheSize behind transaction pooling that does not keep named statements', () => {
      let cached: RlsTestApp;
      let warn: jest.SpyInstance;
      beforeAll(async () => {
        warn = jest.spyOn(Logger.prototype, 'warn');
        cached = await bootRlsApp(appUrl, {
          strategy: 'schema',
          strategies: ['schema'],
          pool: { max: 20 },
          schema: { statementCacheSize: 20 },
        });
      });
      afterAll(async () => {
        warn?.mockRestore();
        await cached?.close();
      });

      it('300 concurrent reads and writes across 10 tenants: every one succeeds and sees only its own rows', async () => {
        const ids = new Map<string, string>();
        for (const id of TENANTS)
          ids.set(id, (await cached.as(id, (p) => p.project.create({ data: { name: `cached-${id}` } }))).id);
        const results = await Promise.all(
          Array.from({ length: 300 }, (_, i) => {
            const tenant = TENANTS[i % TENANTS.length];
            const other = TENANTS[(i + 7) % TENANTS.length];
            return cached.as(tenant, async (p) => {
              await new Promise((r) => setTimeout(r, Math.random() * 3));
              switch (i % 4) {
                case 0:
                  return (await p.project.findMany({ where: { name: { startsWith: 'cached-' } } })).map((r) => r.name);
                case 1:
                  return (await p.project.findFirst({ where: { id: ids.get(other) } })) === null ? [] : ['foreign row'];
                case 2:
                  return [(await p.project.findFirst({ where: { id: ids.get(tenant) } }))?.name ?? 'own row missing'];
                default: {
                  const created = await p.project.create({ data: { name: `cached-extra-${tenant}-${i}` } });
                  await p.project.delete({ where: { id: created.id } });
                  return [created.name.replace(/-\d+$/, '').replace('cached-extra-', 'cached-')];
                }
              }
            });
          }),
        );
        for (const [i, seen] of results.entries())
          expect(seen.every((name) => name === `cached-${TENANTS[i % TENANTS.length]}`)).toBe(true);
        const off = warn.mock.calls.filter(([message]) => String(message).includes('statementCacheSize turned off'));
        expect(off).toHaveLength(1);
        const strategy = cached.app.get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY).get('schema');
        expect((strategy as unknown as { statements: { enabled: boolean } }).statements.enabled).toBe(false);
        await expectClean();
      });
    });
  },
);
