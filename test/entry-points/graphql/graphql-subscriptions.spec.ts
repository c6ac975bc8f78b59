import type { Client } from 'graphql-ws';
import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { bootGraphqlApp, type GraphqlDriverName, type GraphqlTestApp } from './graphql-app';
import { eventually, postGraphql, subscribe, type SubscriptionRecord, wsClient } from './graphql-client';

interface ProjectAdded {
  projectAdded: { name: string; tenant: string | null };
}

const SUBSCRIPTION = 'subscription { projectAdded { name tenant } }';
const ADD = 'mutation Add($name: String!) { addProject(name: $name) { tenant } }';

const REFUSALS: { label: string; params: Record<string, unknown> | undefined; code: string; status: number }[] = [
  { label: 'missing (no connection parameters)', params: undefined, code: 'TENANT_REQUIRED', status: 400 },
  { label: 'missing (no tenant header in them)', params: { headers: {} }, code: 'TENANT_REQUIRED', status: 400 },
  { label: 'malformed', params: { 'x-tenant-id': 'Bad Id!' }, code: 'TENANT_ID_INVALID', status: 400 },
  { label: 'empty', params: { headers: { 'x-tenant-id': '' } }, code: 'TENANT_ID_INVALID', status: 400 },
  { label: 'a number', params: { 'x-tenant-id': 7 }, code: 'TENANT_ID_INVALID', status: 400 },
  { label: 'a list', params: { 'x-tenant-id': ['t0', 't1'] }, code: 'TENANT_ID_INVALID', status: 400 },
  {
    label: 'two spellings',
    params: { 'x-tenant-id': 't0', 'X-Tenant-Id': 't1' },
    code: 'TENANT_ID_INVALID',
    status: 400,
  },
  { label: 'unknown', params: { 'x-tenant-id': 'nobody' }, code: 'TENANT_NOT_FOUND', status: 404 },
  { label: 'inactive', params: { headers: { 'x-tenant-id': 'suspended1' } }, code: 'TENANT_INACTIVE', status: 403 },
];

/** The GraphQL errors a refused subscription ended with, however the driver delivered them. */
function refusalErrors(record: SubscriptionRecord<unknown>): { message: string; extensions?: unknown }[] {
  if (Array.isArray(record.error)) return record.error as { message: string }[];
  return record.results.flatMap((r) => r.errors ?? []);
}

const SETUPS: { driver: GraphqlDriverName; slowGuard: boolean }[] = [
  { driver: 'apollo', slowGuard: false },
  { driver: 'mercurius', slowGuard: false },
  { driver: 'apollo', slowGuard: true },
  { driver: 'mercurius', slowGuard: true },
];

describe.each(SETUPS)(
  'GraphQL subscriptions over graphql-ws: $driver (an async app guard first: $slowGuard)',
  ({ driver, slowGuard }) => {
    let db: TestDatabase;
    let t: GraphqlTestApp;
    const clients: Client[] = [];
    const client = (params?: Record<string, unknown>, upgradeHeaders?: Record<string, string>): Client => {
      const c = wsClient(t.wsUrl, params, upgradeHeaders);
      clients.push(c);
      return c;
    };

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await bootGraphqlApp({ driver, databaseUrl: db.appUrl, slowGuard });
    }, 60_000);
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.dispose()));
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it("delivers each tenant's events to its own subscribers only: two tenants publishing interleaved", async () => {
      const subscribed = () => t.calls.filter((c) => c.resolver === 'projectAdded');
      const before = subscribed().length;
      // Both shapes of connection parameters: flat, and a `headers` object.
      const a = subscribe<ProjectAdded>(client({ 'x-tenant-id': 't0' }), SUBSCRIPTION);
      const b = subscribe<ProjectAdded>(
        client({ headers: { 'X-Tenant-Id': 't1', authorization: 'Bearer x' } }),
        SUBSCRIPTION,
      );
      await eventually(() => subscribed().length === before + 2, 'both subscriptions');
      expect(
        subscribed()
          .slice(before)
          .map((c) => c.tenant)
          .sort(),
      ).toEqual(['t0', 't1']);

      const names = Array.from({ length: 12 }, (_, i) => `${i % 2 === 0 ? 't0' : 't1'}-sub-${i}`);
      const added = await Promise.all(
        names.map((name) =>
          postGraphql(t.url, ADD, { variables: { name }, headers: { 'x-tenant-id': name.slice(0, 2) } }),
        ),
      );
      for (const response of added) expect(response.errors).toBeUndefined();
      // One last event each: events reach a subscriber in publishing order, so
      // once it is in, any other tenant's event would be in too.
      for (const tenant of ['t0', 't1'])
        await postGraphql(t.url, ADD, { variables: { name: `${tenant}-last` }, headers: { 'x-tenant-id': tenant } });
      const received = (r: SubscriptionRecord<ProjectAdded>) => r.results.map((x) => x.data?.projectAdded);
      await eventually(() => received(a).some((e) => e?.name === 't0-last'), "t0's last event");
      await eventually(() => received(b).some((e) => e?.name === 't1-last'), "t1's last event");
      for (const [record, tenant] of [
        [a, 't0'],
        [b, 't1'],
      ] as const) {
        expect(record.error).toBeUndefined();
        const events = received(record);
        expect(events).toHaveLength(7);
        for (const event of events) {
          expect(event?.tenant).toBe(tenant);
          expect(event?.name.startsWith(`${tenant}-`)).toBe(true);
        }
      }
      if (driver === 'apollo') {
        // What travelled through the engine: tenant-scoped names only.
        expect(new Set(t.engine.published)).toEqual(new Set(['tenant:t0:projectAdded', 'tenant:t1:projectAdded']));
        expect(t.engine.subscribed).toEqual(
          expect.arrayContaining(['tenant:t0:projectAdded', 'tenant:t1:projectAdded']),
        );
      }
    });

    it("resolves the fields of each delivered event in the subscription's tenant, with fieldResolverEnhancers", async () => {
      const before = t.calls.filter((c) => c.resolver === 'projectAdded').length;
      const records = ['t4', 't5'].map((tenant) =>
        subscribe<{ projectAdded: { name: string; seenBy: string | null } }>(
          client({ 'x-tenant-id': tenant }),
          'subscription { projectAdded { name seenBy } }',
        ),
      );
      await eventually(() => t.calls.filter((c) => c.resolver === 'projectAdded').length === before + 2, 'subscribed');
      for (let i = 0; i < 3; i++)
        await Promise.all(
          ['t4', 't5'].map((tenant) =>
            postGraphql(t.url, ADD, { variables: { name: `${tenant}-f-${i}` }, headers: { 'x-tenant-id': tenant } }),
          ),
        );
      await eventually(() => records.every((r) => r.results.length === 3), 'three events each');
      records.forEach((record, i) => {
        const tenant = i === 0 ? 't4' : 't5';
        const seenBy = slowGuard ? null : tenant;
        expect(record.results.map((r) => r.data?.projectAdded.seenBy)).toEqual([seenBy, seenBy, seenBy]);
      });
    });

    it.each(REFUSALS)(
      'refuses a subscription whose connection parameters name a $label tenant ($code)',
      async ({ params, code, status }) => {
        const before = t.calls.length;
        const record = subscribe<ProjectAdded>(client(params), SUBSCRIPTION);
        await eventually(() => record.error !== undefined || record.completed, 'the refusal');
        const errors = refusalErrors(record);
        expect(errors).toHaveLength(1);
        expect(errors[0].extensions).toEqual({ code, statusCode: status });
        expect(JSON.stringify(errors)).not.toMatch(/\bat .+:\d+:\d+|stack|INTERNAL_SERVER_ERROR/i);
        expect(t.calls.length).toBe(before);
      },
    );

    it("reads the upgrade request's own header when the parameters name no tenant", async () => {
      const record = subscribe<ProjectAdded>(client(undefined, { 'x-tenant-id': 't6' }), SUBSCRIPTION);
      await eventually(() => t.calls.some((c) => c.resolver === 'projectAdded' && c.tenant === 't6'), 't6 subscribed');
      await postGraphql(t.url, ADD, { variables: { name: 't6-upgrade' }, headers: { 'x-tenant-id': 't6' } });
      await eventually(() => record.results.length === 1, "t6's event");
      expect(record.results[0].data?.projectAdded).toEqual({ name: 't6-upgrade', tenant: 't6' });
    });

    it('refuses parameters that name another tenant than the upgrade request (neither wins)', async () => {
      const before = t.calls.length;
      const record = subscribe<ProjectAdded>(client({ 'x-tenant-id': 't7' }, { 'x-tenant-id': 't6' }), SUBSCRIPTION);
      await eventually(() => record.error !== undefined || record.completed, 'the refusal');
      expect(refusalErrors(record).map((e) => e.extensions)).toEqual([{ code: 'TENANT_ID_INVALID', statusCode: 400 }]);
      expect(t.calls.length).toBe(before);
    });

    if (driver === 'apollo')
      it("runs a query sent over the socket in the connection's tenant", async () => {
        const c = client({ headers: { 'x-tenant-id': 't8' } });
        const record = subscribe<{ projects: { tenant: string } }>(c, '{ projects { tenant names } }');
        await eventually(() => record.completed, 'the result');
        expect(record.results.map((r) => r.data?.projects.tenant)).toEqual(['t8']);
      });

    it('keeps a refused connection from receiving anything, while a good one on the same trigger does', async () => {
      const bad = subscribe<ProjectAdded>(client({ 'x-tenant-id': 'nobody' }), SUBSCRIPTION);
      const good = subscribe<ProjectAdded>(client({ 'x-tenant-id': 't2' }), SUBSCRIPTION);
      await eventually(() => t.calls.some((c) => c.resolver === 'projectAdded' && c.tenant === 't2'), 't2 subscribed');
      await postGraphql(t.url, ADD, { variables: { name: 't2-only' }, headers: { 'x-tenant-id': 't2' } });
      await eventually(() => good.results.length === 1, "t2's event");
      expect(good.results[0].data?.projectAdded).toEqual({ name: 't2-only', tenant: 't2' });
      expect(bad.results.filter((r) => r.data)).toEqual([]);
      const written = await withClient(db.adminUrl, (c) =>
        c.query("SELECT tenant_id FROM projects WHERE name = 't2-only'"),
      );
      expect(written.rows).toEqual([{ tenant_id: 't2' }]);
    });
  },
);
