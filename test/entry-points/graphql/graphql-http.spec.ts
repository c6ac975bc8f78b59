import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { createSchemaTenantsDatabase } from '../../strategies/schema/schema-tenants';
import { bootGraphqlApp, type GraphqlDriverName, type GraphqlTestApp } from './graphql-app';
import { type GraphqlResponse, postGraphql } from './graphql-client';

interface SeenData {
  tenant: string | null;
  names: string[];
  namesAgain?: string[];
}

const SEEN = 'tenant names namesAgain';
const ADD = `mutation Add($name: String!) { addProject(name: $name) { ${SEEN} } }`;

const REFUSALS: { label: string; headers: Record<string, string>; code: string; status: number }[] = [
  { label: 'missing', headers: {}, code: 'TENANT_REQUIRED', status: 400 },
  { label: 'malformed', headers: { 'x-tenant-id': 'Bad Id!' }, code: 'TENANT_ID_INVALID', status: 400 },
  { label: 'unknown', headers: { 'x-tenant-id': 'nobody' }, code: 'TENANT_NOT_FOUND', status: 404 },
  { label: 'inactive', headers: { 'x-tenant-id': 'suspended1' }, code: 'TENANT_INACTIVE', status: 403 },
  { label: 'provisioning', headers: { 'x-tenant-id': 'provisioning1' }, code: 'TENANT_INACTIVE', status: 403 },
];

/** Interleaved: t0, t1, t0, t1... all in flight at once. */
function interleaved<T>(count: number, fn: (tenant: string, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count * 2 }, (_, i) => fn(i % 2 === 0 ? 't0' : 't1', i)));
}

function expectOwn(seen: SeenData | null | undefined, tenant: string): void {
  expect(seen?.tenant).toBe(tenant);
  for (const name of [...seen!.names, ...(seen!.namesAgain ?? [])]) expect(name.startsWith(`${tenant}-`)).toBe(true);
}

/** The refusal as the client got it: one GraphQL error with the package's code and status, no stack. */
function expectRefusal(response: GraphqlResponse, code: string, status: number): void {
  // GraphQL over HTTP: execution errors travel with 200 on both drivers.
  expect(response.status).toBe(200);
  expect(response.errors).toHaveLength(1);
  expect(response.errors![0].extensions).toEqual({ code, statusCode: status });
  expect(response.data ?? null).toBeNull();
  expect(response.text).not.toMatch(/\bat .+:\d+:\d+|stack|INTERNAL_SERVER_ERROR/i);
}

async function rowsByTenant(db: TestDatabase, tenantIds: string[], schemas = false): Promise<Map<string, string[]>> {
  return withClient(db.adminUrl, async (c) => {
    const result = new Map<string, string[]>();
    for (const id of tenantIds) {
      const { rows } = schemas
        ? await c.query<{ name: string }>(`SELECT name FROM "tenant_${id}".projects ORDER BY name`)
        : await c.query<{ name: string }>('SELECT name FROM projects WHERE tenant_id = $1 ORDER BY name', [id]);
      result.set(
        id,
        rows.map((r) => r.name),
      );
    }
    return result;
  });
}

const SETUPS: { driver: GraphqlDriverName; platform: 'express' | 'fastify'; slowGuard: boolean }[] = [
  { driver: 'apollo', platform: 'express', slowGuard: false },
  { driver: 'mercurius', platform: 'fastify', slowGuard: false },
  { driver: 'apollo', platform: 'express', slowGuard: true },
  { driver: 'mercurius', platform: 'fastify', slowGuard: true },
  { driver: 'apollo', platform: 'fastify', slowGuard: false },
];

describe.each(SETUPS)(
  'GraphQL over HTTP: $driver on $platform (an async app guard first: $slowGuard)',
  ({ driver, platform, slowGuard }) => {
    let db: TestDatabase;
    let t: GraphqlTestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      t = await bootGraphqlApp({ driver, platform, databaseUrl: db.appUrl, slowGuard });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('runs every mutation and query in its own tenant: two tenants, interleaved and concurrent', async () => {
      const added = await interleaved(10, (tenant, i) =>
        postGraphql<{ addProject: SeenData }>(t.url, ADD, {
          variables: { name: `${tenant}-m-${i}` },
          headers: { 'x-tenant-id': tenant },
        }),
      );
      added.forEach((response, i) => {
        expect(response.errors).toBeUndefined();
        expectOwn(response.data?.addProject, i % 2 === 0 ? 't0' : 't1');
      });
      const read = await interleaved(10, (tenant) =>
        postGraphql<{ projects: SeenData }>(t.url, `{ projects { ${SEEN} } }`, { headers: { 'x-tenant-id': tenant } }),
      );
      read.forEach((response, i) => {
        const tenant = i % 2 === 0 ? 't0' : 't1';
        expect(response.errors).toBeUndefined();
        expectOwn(response.data?.projects, tenant);
        expect(response.data?.projects.names.filter((n) => n.includes('-m-'))).toHaveLength(10);
      });
      const rows = await rowsByTenant(db, ['t0', 't1']);
      for (const [tenant, names] of rows) {
        expect(names.filter((n) => n.includes('-m-'))).toHaveLength(10);
        for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
      }
    });

    it('resolves two top-level fields of one request in its tenant', async () => {
      const [a, b] = await Promise.all(
        ['t2', 't3'].map((tenant) =>
          postGraphql<{ projects: SeenData; projectsAgain: SeenData }>(
            t.url,
            `{ projects { ${SEEN} } projectsAgain { ${SEEN} } }`,
            { headers: { 'x-tenant-id': tenant } },
          ),
        ),
      );
      expect(a.errors).toBeUndefined();
      expectOwn(a.data?.projects, 't2');
      expectOwn(a.data?.projectsAgain, 't2');
      expect(b.errors).toBeUndefined();
      expectOwn(b.data?.projects, 't3');
      expectOwn(b.data?.projectsAgain, 't3');
    });

    it.each(REFUSALS)(
      'refuses a mutation with a $label tenant ($code), writing nothing',
      async ({ label, headers, code, status }) => {
        const before = t.calls.length;
        const response = await postGraphql(t.url, ADD, { variables: { name: `refused-${label}` }, headers });
        expectRefusal(response, code, status);
        expect(t.calls.length).toBe(before);
        const written = await withClient(db.adminUrl, (c) =>
          c.query('SELECT 1 FROM projects WHERE name = $1', [`refused-${label}`]),
        );
        expect(written.rowCount).toBe(0);
      },
    );

    it('refuses a query naming two tenants (the header repeated)', async () => {
      const response = await fetch(t.url, {
        method: 'POST',
        headers: [
          ['content-type', 'application/json'],
          ['x-tenant-id', 't0'],
          ['x-tenant-id', 't1'],
        ],
        body: JSON.stringify({ query: '{ projects { tenant } }' }),
      });
      const text = await response.text();
      expectRefusal({ status: response.status, text, ...JSON.parse(text) }, 'TENANT_ID_INVALID', 400);
    });

    it.each([
      { label: 'a query outside any tenant', query: '{ unscoped { tenant } }', code: 'TENANT_REQUIRED', status: 400 },
      {
        label: 'TenantContext.run of an unknown id',
        query: '{ asTenant(id: "nobody") { tenant } }',
        code: 'TENANT_NOT_FOUND',
        status: 404,
      },
      {
        label: 'TenantContext.run of an inactive id',
        query: '{ asTenant(id: "suspended1") { tenant } }',
        code: 'TENANT_INACTIVE',
        status: 403,
      },
    ])('gives an error thrown inside a resolver ($label) the code and status too', async ({ query, code, status }) => {
      const response = await postGraphql(t.url, query, { headers: { 'x-tenant-id': 't0' } });
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]).toMatchObject({
        path: [expect.any(String)],
        extensions: { code, statusCode: status },
      });
      expect(response.errors![0].extensions).toEqual({ code, statusCode: status });
      expect(response.text).not.toMatch(/\bat .+:\d+:\d+|stack|INTERNAL_SERVER_ERROR/i);
    });

    it('runs a @SkipTenant() resolver without a tenant, and without looking one up', async () => {
      const without = await postGraphql<{ ping: string }>(t.url, '{ ping }');
      expect(without).toMatchObject({ data: { ping: 'none' } });
      expect(without.errors).toBeUndefined();
      // A bad id on a route that needs none is not even looked at.
      const unknown = await postGraphql<{ ping: string }>(t.url, '{ ping }', { headers: { 'x-tenant-id': 'nobody' } });
      expect(unknown.data).toEqual({ ping: 'none' });
    });
  },
);

describe.each(['apollo', 'mercurius'] as const)('GraphQL over HTTP on the schema strategy: %s', (driver) => {
  let db: TestDatabase;
  let t: GraphqlTestApp;

  beforeAll(async () => {
    db = await createSchemaTenantsDatabase(['t0', 't1']);
    t = await bootGraphqlApp({
      driver,
      databaseUrl: db.appUrl,
      tenancy: { strategy: 'schema', strategies: ['schema'] },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs every mutation in its own tenant schema: two tenants, interleaved', async () => {
    const added = await interleaved(8, (tenant, i) =>
      postGraphql<{ addProject: SeenData }>(t.url, ADD, {
        variables: { name: `${tenant}-s-${i}` },
        headers: { 'x-tenant-id': tenant },
      }),
    );
    added.forEach((response, i) => {
      expect(response.errors).toBeUndefined();
      expectOwn(response.data?.addProject, i % 2 === 0 ? 't0' : 't1');
    });
    const rows = await rowsByTenant(db, ['t0', 't1'], true);
    for (const [tenant, names] of rows) {
      expect(names).toHaveLength(8);
      for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
    }
  });
});
