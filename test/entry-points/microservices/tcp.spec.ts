import { microserviceEntryPoint } from '../../../lib';
import { createTestDatabase, type TestDatabase } from '../../support';
import { bootMicroservice, type HandlerCall, type MicroserviceTestApp } from './microservice-app';
import { tcpCase } from './redis-tcp-cases';
import { ABSENT, describeSchemaIsolation, describeTransport, header, type Driver } from './transport-suite';

describeTransport(tcpCase);
describeSchemaIsolation(tcpCase);

describe('tcp microservice with a payload field (payloadField: tenantId)', () => {
  const prefix = `tenancy-tcp-p-${process.pid}`;
  let db: TestDatabase;
  let t: MicroserviceTestApp;
  let driver: Driver;

  beforeAll(async () => {
    db = await createTestDatabase();
    const { server, client } = await tcpCase.options(prefix);
    t = await bootMicroservice({
      databaseUrl: db.appUrl,
      prefix,
      server,
      forward: client,
      entryPoints: [microserviceEntryPoint({ payloadField: 'tenantId' })],
    });
    driver = await tcpCase.driver(prefix, client);
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

  it('accepts metadata and payload naming the same tenant, and refuses them naming two', async () => {
    const same = await driver.send<HandlerCall>('create', { tenantId: 't2', name: 't2-same' }, header('t2'));
    expect(same.tenant).toBe('t2');
    const before = t.calls.length;
    expect(await refused(driver.send('create', { tenantId: 't2', name: 'two' }, header('t3')))).toMatchObject({
      error: 'TENANT_ID_INVALID',
    });
    expect(t.calls.length).toBe(before);
  });

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
    expect(await refused(driver.send('create', { name: 'none' }, ABSENT))).toMatchObject({ error: 'TENANT_REQUIRED' });
  });
});
