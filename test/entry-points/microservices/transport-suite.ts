import { randomBytes } from 'node:crypto';
import type { ClientOptions, MicroserviceOptions } from '@nestjs/microservices';
import { map, type OperatorFunction } from 'rxjs';
import { currentTenantId, microserviceEntryPoint, TenantContext } from '../../../lib';
import { createTestDatabase, withClient, type TestDatabase } from '../../support';
import { createSchemaTenantsDatabase } from '../../strategies/schema/schema-tenants';
import {
  bootMicroservice,
  eventually,
  FORWARD_CLIENT,
  type HandlerCall,
  type MicroserviceTestApp,
} from './microservice-app';

/** The raw tenant metadata of a test message: absent, one value, or a value repeated. */
export type HeaderValue = { absent: true } | { value: unknown } | { repeated: string[] };

export const ABSENT: HeaderValue = { absent: true };
export const header = (value: unknown): HeaderValue => ({ value });

/** How the test talks to one transport, as a client outside the app would. */
export interface Driver {
  /**
   * A request to `<prefix>.<pattern>` with the tenant metadata `tenant`, sent
   * by the test's own client, or by `via` (the app's `propagateTenant` client),
   * its reply passed through `operator`.
   */
  send<T>(
    pattern: string,
    data: object,
    tenant: HeaderValue,
    via?: unknown,
    operator?: OperatorFunction<unknown, unknown>,
  ): Promise<T>;
  /** An event to `<prefix>.<pattern>`; undefined where the transport has none (gRPC). */
  emit?(pattern: string, data: object, tenant: HeaderValue): Promise<void>;
  close(): Promise<void>;
}

export interface TransportCase {
  name: string;
  /** Server options, and client options reaching that server (service A's client of B). */
  options(prefix: string): Promise<{ server: MicroserviceOptions; client: ClientOptions }>;
  driver(prefix: string, client: ClientOptions): Promise<Driver>;
  /** Unusable metadata this transport can carry, beyond an empty value. */
  unusable: { label: string; tenant: HeaderValue }[];
}

/** The error object a refused request's sender received. */
async function refusal(promise: Promise<unknown>): Promise<{ error?: string; statusCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { error?: string; statusCode?: number };
  }
  throw new Error('expected the request to be refused');
}

const REFUSALS = (unusable: TransportCase['unusable']) => [
  { label: 'missing', tenant: ABSENT, code: 'TENANT_REQUIRED', status: 400 },
  { label: 'malformed', tenant: header('Bad Id!'), code: 'TENANT_ID_INVALID', status: 400 },
  { label: 'unknown', tenant: header('nobody'), code: 'TENANT_NOT_FOUND', status: 404 },
  { label: 'inactive', tenant: header('suspended1'), code: 'TENANT_INACTIVE', status: 403 },
  { label: 'empty', tenant: header(''), code: 'TENANT_ID_INVALID', status: 400 },
  ...unusable.map((u) => ({ ...u, code: 'TENANT_ID_INVALID', status: 400 })),
];

/** Names of the projects each tenant owns, read as the superuser (bypassing RLS). */
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

function expectOwn(call: HandlerCall, tenant: string): void {
  expect(call.tenant).toBe(tenant);
  expect(call.name.startsWith(`${tenant}-`)).toBe(true);
  for (const name of call.seen) expect(name.startsWith(`${tenant}-`)).toBe(true);
}

/** Interleaved: t0, t1, t0, t1... all in flight at once. */
function interleaved<T>(count: number, fn: (tenant: string, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count * 2 }, (_, i) => fn(i % 2 === 0 ? 't0' : 't1', i)));
}

/**
 * The microservice suite of one transport, on a real broker: isolation of two
 * tenants' interleaved requests and events (RLS, and once on the schema
 * strategy), every refusal for requests and events, and propagation through
 * a `propagateTenant` client (service A → service B).
 */
export function describeTransport(spec: TransportCase): void {
  describe(`${spec.name} microservice`, () => {
    const prefix = `tenancy-${spec.name}-${randomBytes(5).toString('hex')}`;
    let db: TestDatabase;
    let t: MicroserviceTestApp;
    let driver: Driver;

    beforeAll(async () => {
      db = await createTestDatabase();
      const { server, client } = await spec.options(prefix);
      t = await bootMicroservice({ databaseUrl: db.appUrl, prefix, server, forward: client });
      driver = await spec.driver(prefix, client);
    }, 60_000);
    afterAll(async () => {
      await driver?.close();
      await t?.close();
      await db?.drop();
    });

    it('runs every request in its own tenant: two tenants, interleaved and concurrent', async () => {
      const replies = await interleaved(12, (tenant, i) =>
        driver.send<HandlerCall>('create', { name: `${tenant}-req-${i}` }, header(tenant)),
      );
      replies.forEach((reply, i) => expectOwn(reply, i % 2 === 0 ? 't0' : 't1'));
      const rows = await rowsByTenant(db, ['t0', 't1']);
      for (const [tenant, names] of rows) {
        expect(names.filter((n) => n.includes('-req-'))).toHaveLength(12);
        for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
      }
    });

    if (spec.name !== 'grpc')
      it('runs every event in its own tenant: two tenants, interleaved and concurrent', async () => {
        const before = t.calls.length;
        await interleaved(10, (tenant, i) => driver.emit!('event', { name: `${tenant}-evt-${i}` }, header(tenant)));
        await eventually(() => t.calls.filter((c) => c.name.includes('-evt-')).length === 20, '20 events');
        const events = t.calls.slice(before).filter((c) => c.handler === 'event');
        expect(events).toHaveLength(20);
        for (const call of events) expectOwn(call, call.name.slice(0, 2));
        const rows = await rowsByTenant(db, ['t0', 't1']);
        for (const [tenant, names] of rows) {
          expect(names.filter((n) => n.includes('-evt-'))).toHaveLength(10);
          for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
        }
      });

    it.each(REFUSALS(spec.unusable))(
      'refuses a request with a $label tenant ($code), without running the handler',
      async ({ label, tenant, code, status }) => {
        const before = t.calls.length;
        const error = await refusal(driver.send('create', { name: `refused-${label}` }, tenant));
        expect(error).toMatchObject({ error: code, statusCode: status });
        expect(t.calls.length).toBe(before);
        const written = await withClient(db.adminUrl, (c) =>
          c.query('SELECT 1 FROM projects WHERE name = $1', [`refused-${label}`]),
        );
        expect(written.rowCount).toBe(0);
      },
    );

    if (spec.name !== 'grpc')
      it('refuses events with a missing, malformed, unknown, inactive or unusable tenant, running no handler', async () => {
        const cases = REFUSALS(spec.unusable);
        const before = t.refusals.length;
        for (const c of cases) await driver.emit!('event', { name: `refused-evt-${c.label}` }, c.tenant);
        await eventually(() => t.refusals.length >= before + cases.length, `${cases.length} refused events`);
        // A good event sent after them, processed: the refused ones had their turn.
        await driver.emit!('event', { name: 't2-evt-after' }, header('t2'));
        await eventually(() => t.calls.some((c) => c.name === 't2-evt-after'), 'the event after the refused ones');
        const codes = t.refusals
          .slice(before)
          .map((r) => (r.error as { getError?: () => { error: string } }).getError?.().error)
          .sort();
        expect(codes).toEqual(cases.map((c) => c.code).sort());
        expect(t.calls.filter((c) => c.name.startsWith('refused-'))).toEqual([]);
        const written = await withClient(db.adminUrl, (c) =>
          c.query("SELECT 1 FROM projects WHERE name LIKE 'refused-%'"),
        );
        expect(written.rowCount).toBe(0);
      });

    if (spec.name !== 'grpc')
      it('runs @SkipTenant() handlers without a tenant, whatever the message names', async () => {
        expect(await driver.send('open', {}, ABSENT)).toEqual({ tenant: null });
        expect(await driver.send('open', {}, header('nobody'))).toEqual({ tenant: null });
      });

    it('propagates the tenant through a propagateTenant client: service A → service B, interleaved', async () => {
      const replies = await interleaved(8, (tenant, i) =>
        driver.send<HandlerCall>('forward', { name: `${tenant}-fwd-${i}` }, header(tenant)),
      );
      replies.forEach((reply, i) => expectOwn(reply, i % 2 === 0 ? 't0' : 't1'));
    });

    if (spec.name !== 'grpc')
      it('propagates the tenant on events emitted by service A', async () => {
        const before = t.calls.length;
        const senders = await interleaved(6, (tenant, i) =>
          driver.send<string>('forward-event', { name: `${tenant}-fwe-${i}` }, header(tenant)),
        );
        expect(senders).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 't0' : 't1')));
        await eventually(() => t.calls.filter((c) => c.name.includes('-fwe-')).length === 12, '12 forwarded events');
        for (const call of t.calls.slice(before).filter((c) => c.handler === 'event')) {
          expectOwn(call, call.name.slice(0, 2));
        }
      });

    it("hands each reply back in its caller's tenant, whichever tenant's call opened the connection", async () => {
      // The client's connection was opened by an earlier test, inside a handler of t0 or t1.
      const context = t.app.get(TenantContext);
      const client = t.app.get(FORWARD_CLIENT);
      const tenants = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 't6' : 't7'));
      const seen = await Promise.all(
        tenants.map((tenant, i) =>
          context.run(tenant, () =>
            driver.send<string>(
              'create',
              { name: `${tenant}-reply-${i}` },
              ABSENT,
              client,
              map(() => currentTenantId()),
            ),
          ),
        ),
      );
      expect(seen).toEqual(tenants);
    });

    it('adds nothing outside a tenant, and keeps a tenant header set explicitly', async () => {
      const context = t.app.get(TenantContext);
      const client = t.app.get(FORWARD_CLIENT);
      // Outside any tenant the propagating client adds nothing: service B refuses it.
      const outside = await refusal(driver.send('create', { name: 'outside' }, ABSENT, client));
      expect(outside).toMatchObject({ error: 'TENANT_REQUIRED' });
      // Inside t3: the tenant is added...
      const added = await context.run('t3', () =>
        driver.send<HandlerCall>('create', { name: 't3-added' }, ABSENT, client),
      );
      expectOwn(added, 't3');
      // ...unless the message names a tenant itself.
      const explicit = await context.run('t3', () =>
        driver.send<HandlerCall>('create', { name: 't4-explicit' }, header('t4'), client),
      );
      expectOwn(explicit, 't4');
    });
  });
}

/** The same isolation check on the schema strategy (one search path per tenant). */
export function describeSchemaIsolation(spec: TransportCase): void {
  describe(`${spec.name} microservice on the schema strategy`, () => {
    const prefix = `tenancy-${spec.name}-s-${randomBytes(5).toString('hex')}`;
    let db: TestDatabase;
    let t: MicroserviceTestApp;
    let driver: Driver;

    beforeAll(async () => {
      db = await createSchemaTenantsDatabase(['t0', 't1']);
      const { server, client } = await spec.options(prefix);
      t = await bootMicroservice({
        databaseUrl: db.appUrl,
        prefix,
        server,
        forward: client,
        tenancy: { strategy: 'schema', strategies: ['schema'] },
      });
      driver = await spec.driver(prefix, client);
    }, 60_000);
    afterAll(async () => {
      await driver?.close();
      await t?.close();
      await db?.drop();
    });

    it('runs every request in its own tenant, directly and through service A', async () => {
      const direct = await interleaved(8, (tenant, i) =>
        driver.send<HandlerCall>('create', { name: `${tenant}-req-${i}` }, header(tenant)),
      );
      direct.forEach((reply, i) => expectOwn(reply, i % 2 === 0 ? 't0' : 't1'));
      const forwarded = await interleaved(8, (tenant, i) =>
        driver.send<HandlerCall>('forward', { name: `${tenant}-fwd-${i}` }, header(tenant)),
      );
      forwarded.forEach((reply, i) => expectOwn(reply, i % 2 === 0 ? 't0' : 't1'));
      const rows = await rowsByTenant(db, ['t0', 't1'], true);
      for (const [tenant, names] of rows) {
        expect(names).toHaveLength(16);
        for (const name of names) expect(name.startsWith(`${tenant}-`)).toBe(true);
      }
    });
  });
}

/**
 * `payloadField`: the tenant named by a field of the payload, for senders that
 * cannot set metadata (and, on TCP and Redis, the only way on Nest 11); a
 * `propagateTenant` client writing it. Metadata checks only where the
 * transport carries it.
 */
export function describePayloadField(spec: TransportCase, metadata: boolean): void {
  describe(`${spec.name} microservice with a payload field (payloadField: tenantId)`, () => {
    const prefix = `tenancy-${spec.name}-p-${randomBytes(5).toString('hex')}`;
    let db: TestDatabase;
    let t: MicroserviceTestApp;
    let driver: Driver;

    beforeAll(async () => {
      db = await createTestDatabase();
      const { server, client } = await spec.options(prefix);
      t = await bootMicroservice({
        databaseUrl: db.appUrl,
        prefix,
        server,
        forward: client,
        forwardOptions: { payloadField: 'tenantId' },
        entryPoints: [microserviceEntryPoint({ payloadField: 'tenantId' })],
      });
      driver = await spec.driver(prefix, client);
    }, 60_000);
    afterAll(async () => {
      await driver?.close();
      await t?.close();
      await db?.drop();
    });

    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => 'accepted',
        (error: unknown) => error,
      );

    it('reads the tenant from the payload of a message without metadata: two tenants, interleaved', async () => {
      const replies = await Promise.all(
        Array.from({ length: 16 }, (_, i) => {
          const tenant = i % 2 === 0 ? 't0' : 't1';
          return driver.send<HandlerCall>('create', { tenantId: tenant, name: `${tenant}-p-${i}` }, ABSENT);
        }),
      );
      replies.forEach((reply, i) => {
        const tenant = i % 2 === 0 ? 't0' : 't1';
        expect(reply.tenant).toBe(tenant);
        for (const name of reply.seen) expect(name.startsWith(`${tenant}-`)).toBe(true);
      });
    });

    (metadata ? it : it.skip)(
      'accepts metadata and payload naming the same tenant, and refuses them naming two',
      async () => {
        const same = await driver.send<HandlerCall>('create', { tenantId: 't2', name: 't2-same' }, header('t2'));
        expect(same.tenant).toBe('t2');
        const before = t.calls.length;
        expect(await refused(driver.send('create', { tenantId: 't2', name: 'two' }, header('t3')))).toMatchObject({
          error: 'TENANT_ID_INVALID',
        });
        expect(t.calls.length).toBe(before);
      },
    );

    it.each([
      ['empty', ''],
      ['a number', 5],
      ['null', null],
      ['a list', ['t0']],
    ])('refuses a payload field that is %s', async (_label, value) => {
      const before = t.calls.length;
      expect(await refused(driver.send('create', { tenantId: value, name: 'bad' }, ABSENT))).toMatchObject({
        error: 'TENANT_ID_INVALID',
        statusCode: 400,
      });
      expect(t.calls.length).toBe(before);
    });

    it('refuses a message naming no tenant anywhere (TENANT_REQUIRED)', async () => {
      expect(await refused(driver.send('create', { name: 'none' }, ABSENT))).toMatchObject({
        error: 'TENANT_REQUIRED',
      });
    });

    it('propagates through a client writing the payload field: service A -> service B, interleaved', async () => {
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const tenant = i % 2 === 0 ? 't4' : 't5';
          return driver.send<HandlerCall>('forward', { tenantId: tenant, name: `${tenant}-pf-${i}` }, ABSENT);
        }),
      );
      replies.forEach((reply, i) => expectOwn(reply, i % 2 === 0 ? 't4' : 't5'));
    });
  });
}
