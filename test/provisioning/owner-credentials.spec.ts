import { createServer, type Server, type Socket } from 'node:net';

import { Client } from 'pg';
import { parse } from 'pg-connection-string';

import { TenantMisconfiguredError } from '../../lib/errors/tenant-misconfigured.error';
import { TenantServerPolicy } from '../../lib/provisioning/admin-server';
import { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import { validateProvisionerOptions } from '../../lib/provisioning/tenant-provisioner.validator';
import type { DatabaseProvisioningOptions } from '../../lib/provisioning/tenant-provisioner.interface';
import type { Tenant } from '../../lib/store/tenant.interface';
import { serverAdminUrl, TEST_ROLES, withClient } from '../support';
import { createProvisioningHarness, tenantIds, type ProvisioningHarness } from './provisioning-fixtures';

// Under the harness prefix, so a crashed run's databases are swept by the global teardown.
const PREFIX = `tenancy_t_${process.env.TENANCY_TEST_RUN_ID}_oc`;
const naming = (tenant: Tenant) => `${PREFIX}_${tenant.id.replace(/-/g, '_')}`;

/** What a fake server saw: every connection, the startup parameters, and any password sent to it. */
interface FakePostgres {
  port: number;
  connections: number;
  startups: Record<string, string>[];
  passwords: string[];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

/**
 * A TCP listener on loopback that speaks just enough of the PostgreSQL
 * protocol to be sent a password: it declines TLS, answers the startup
 * message with "send your password in clear", records it, and hangs up.
 * Whatever connects to it would have given a foreign server that password.
 */
async function startFakePostgres(): Promise<FakePostgres> {
  const sockets = new Set<Socket>();
  const fake: FakePostgres = { port: 0, connections: 0, startups: [], passwords: [], close: async () => undefined };
  const server: Server = createServer((socket) => {
    fake.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8 || buffer.length < buffer.readInt32BE(0)) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          const body = buffer.subarray(8, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N');
            continue;
          }
          started = true;
          const words = body.toString('utf8').split('\0');
          const startup: Record<string, string> = {};
          for (let i = 0; i + 1 < words.length && words[i]; i += 2) startup[words[i]] = words[i + 1];
          fake.startups.push(startup);
          const askPassword = Buffer.alloc(9);
          askPassword.write('R', 0);
          askPassword.writeInt32BE(8, 1);
          askPassword.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          socket.write(askPassword);
          continue;
        }
        if (buffer.length < 5 || buffer.length < 1 + buffer.readInt32BE(1)) return;
        const type = String.fromCharCode(buffer[0]);
        const length = buffer.readInt32BE(1);
        const body = buffer.subarray(5, 1 + length);
        buffer = buffer.subarray(1 + length);
        if (type === 'p') {
          fake.passwords.push(body.toString('utf8').replace(/\0$/, ''));
          socket.destroy();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as { port: number }).port;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return fake;
}

describe('TenantProvisioner, database strategy: owner and admin credentials stay on the admin server', () => {
  let h: ProvisioningHarness;
  let fake: FakePostgres;
  let admin: Client;
  /** host:port of the real test server, as its admin URL names it. */
  let realHost: string;
  let realPort: string;

  beforeAll(async () => {
    h = await createProvisioningHarness();
    fake = await startFakePostgres();
    admin = new Client({ connectionString: serverAdminUrl() });
    await admin.connect();
    const real = parse(serverAdminUrl());
    realHost = real.host!;
    realPort = real.port || '5432';
  });

  afterEach(() => {
    fake.connections = 0;
    fake.startups.length = 0;
    fake.passwords.length = 0;
  });

  afterAll(async () => {
    const { rows: dbs } = await admin.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [PREFIX]);
    for (const { datname } of dbs) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    const { rows: roles } = await admin.query('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [PREFIX]);
    for (const { rolname } of roles) await admin.query(`DROP ROLE IF EXISTS "${rolname}"`);
    await admin?.end();
    await fake?.close();
    await h?.close();
  });

  function provisioner(database: Partial<DatabaseProvisioningOptions> = {}): TenantProvisioner {
    return h.provisioner({
      defaultStrategy: 'database',
      database: { adminUrl: serverAdminUrl(), appUrl: h.db.appUrl, naming, ...database },
    });
  }

  const appUser = `${TEST_ROLES.app.name}:${TEST_ROLES.app.password}`;
  /** Ways of making a tenant URL reach the fake server, as pg (or libpq) reads them. */
  const foreignUrls = (database: string): [string, string][] => [
    ['its host and port', `postgresql://${appUser}@127.0.0.1:${fake.port}/${database}`],
    [
      '?host= and ?port= over the real server',
      `postgresql://${appUser}@${realHost}:${realPort}/${database}?host=127.0.0.1&port=${fake.port}`,
    ],
    ['?port= alone', `postgresql://${appUser}@${realHost}:${realPort}/${database}?port=${fake.port}`],
    ['hostaddr (libpq dials it)', `postgresql://${appUser}@${realHost}:${realPort}/${database}?hostaddr=127.0.0.1`],
    ['several hosts', `postgresql://${appUser}@127.0.0.1:${fake.port},${realHost}:${realPort}/${database}`],
    ['a service name', `postgresql://${appUser}@${realHost}:${realPort}/${database}?service=elsewhere`],
    ['sslmode=disable to the fake', `postgresql://${appUser}@127.0.0.1:${fake.port}/${database}?sslmode=disable`],
    [
      'its own credentials in the query',
      `postgresql://x:y@127.0.0.1:${fake.port}/${database}?user=${TEST_ROLES.app.name}&password=z`,
    ],
  ];

  async function databaseExists(name: string): Promise<boolean> {
    return ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  }

  it('migrate, provision (resume) and deprovision of a record naming another server send it nothing', async () => {
    const p = provisioner();
    const [active, failed, doomed] = tenantIds('ocrec', 3);
    const url = (id: string) => `postgresql://${appUser}@127.0.0.1:${fake.port}/${naming({ id } as Tenant)}`;
    // Written straight into the registry, by someone who could not provision it.
    await h.store.create({ id: active, strategy: 'database', databaseUrl: url(active), status: 'active' });
    await h.store.create({ id: failed, strategy: 'database', databaseUrl: url(failed), status: 'failed' });
    await h.store.create({ id: doomed, strategy: 'database', databaseUrl: url(doomed), status: 'active' });

    await expect(p.migrate(active)).rejects.toMatchObject({ errorCode: 'TENANT_MISCONFIGURED' });
    await expect(p.provision({ id: failed })).rejects.toMatchObject({ errorCode: 'TENANT_MISCONFIGURED' });
    await expect(p.deprovision(doomed, { confirm: doomed })).rejects.toMatchObject({
      errorCode: 'TENANT_MISCONFIGURED',
    });

    expect(fake.passwords).toEqual([]);
    expect(fake.connections).toBe(0);
    // Nothing was created on (or dropped from) the admin server under those names either.
    for (const id of [active, failed, doomed]) expect(await databaseExists(naming({ id } as Tenant))).toBe(false);
    expect((await h.store.findById(failed))!.status).toBe('failed');
  });

  it('provision with a databaseUrl naming another server, in any form, is refused before anything is written or dialled', async () => {
    const p = provisioner({ perTenantRole: true });
    const forms = foreignUrls('x');
    const ids = tenantIds('ocnew', forms.length);
    for (const [i, [form]] of forms.entries()) {
      const id = ids[i];
      const database = naming({ id } as Tenant);
      const databaseUrl = foreignUrls(database)[i][1];
      await expect(p.provision({ id, databaseUrl })).rejects.toMatchObject({ errorCode: 'TENANT_MISCONFIGURED' });
      expect({ form, passwords: fake.passwords, connections: fake.connections }).toEqual({
        form,
        passwords: [],
        connections: 0,
      });
      expect({ form, exists: await databaseExists(database) }).toEqual({ form, exists: false });
      // Checked before it is registered: no record to fix or to hold the name.
      expect({ form, record: await h.store.findById(id) }).toEqual({ form, record: null });
    }
  });

  it('owner connections take only the database name from the tenant URL: the admin URL decides server and parameters', async () => {
    const [id] = tenantIds('ocopts', 1);
    const database = naming({ id } as Tenant);
    // Steers the owner's session elsewhere if its parameters were kept: migrations would fail (no schema to create in).
    const databaseUrl = `postgresql://${appUser}@${realHost}:${realPort}/${database}?options=${encodeURIComponent('-c search_path=nowhere')}`;
    const tenant = await provisioner().provision({ id, databaseUrl });
    expect(tenant.status).toBe('active');
    const { rows } = await withClient(new URL(`/${database}`, h.db.ownerUrl).href, (c) =>
      c.query("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'projects'"),
    );
    expect(rows).toEqual([{ tableowner: TEST_ROLES.owner.name }]);
  });

  it('another address of the admin server is refused by default and accepted when listed in allowedServers', async () => {
    const alias = realHost === 'localhost' ? '127.0.0.1' : 'localhost';
    const [refused, allowed] = tenantIds('ocalias', 2);
    const urlOf = (id: string) => `postgresql://${appUser}@${alias}:${realPort}/${naming({ id } as Tenant)}`;
    await expect(provisioner().provision({ id: refused, databaseUrl: urlOf(refused) })).rejects.toMatchObject({
      errorCode: 'TENANT_MISCONFIGURED',
    });
    const tenant = await provisioner({ allowedServers: [`${alias}:${realPort}`] }).provision({
      id: allowed,
      databaseUrl: urlOf(allowed),
    });
    expect(tenant.status).toBe('active');
  });

  it('generated URLs carry no credential from the admin or app URL query string', async () => {
    const base = new URL(serverAdminUrl());
    // A server on trust auth (TENANCY_TEST_DATABASE_URL without a password) ignores the password: use a marker one.
    const adminPassword = decodeURIComponent(base.password) || 'admin-secret-in-query';
    base.password = '';
    base.searchParams.set('password', adminPassword);
    const [id] = tenantIds('ocgen', 1);
    const tenant = await provisioner({ adminUrl: base.href, appUrl: undefined, perTenantRole: true }).provision({ id });
    const url = h.store.plaintextDatabaseUrl(tenant)!;
    expect(url).not.toContain(encodeURIComponent(adminPassword));
    expect(url).not.toContain(adminPassword);
    const effective = parse(url);
    expect(effective.user).toBe(naming(tenant));
    await withClient(url, async (c) =>
      expect((await c.query('SELECT current_user AS u')).rows).toEqual([{ u: naming(tenant) }]),
    );
  });
});

describe('TenantServerPolicy (pure)', () => {
  const owner = 'postgresql://owner:owner-secret@db.internal:5432/app';
  const adminUrl =
    'postgresql://admin:admin-secret@db.internal:5432/postgres?sslmode=verify-full&application_name=admin';
  const policy = new TenantServerPolicy(owner, adminUrl, 'postgresql://app:app-pw@bouncer.internal:6432/app', [
    'DB-Alias:5433',
    '[::1]:5432',
  ]);

  it('builds owner connections from the admin server and the owner credentials, whatever the tenant URL said', () => {
    expect(policy.ownerConnection('tenant_a')).toMatchObject({
      host: 'db.internal',
      port: 5432,
      user: 'owner',
      password: 'owner-secret',
      database: 'tenant_a',
      application_name: 'admin',
      ssl: {},
    });
    expect(policy.ownerConnection('tenant_a')).not.toHaveProperty('connectionString');
  });

  it('builds tenant URLs with no credential of the base URL left in the query string', () => {
    const base =
      'postgresql://admin@db.internal/postgres?password=admin-secret&user=admin&sslcert=/a.crt&sslkey=/a.key&sslmode=verify-full';
    const own = new URL(policy.tenantUrl(base, { user: 'tenant_a', password: 'pw', database: 'tenant_a' }));
    expect([own.username, own.password, own.pathname, [...own.searchParams.keys()]]).toEqual([
      'tenant_a',
      'pw',
      '/tenant_a',
      ['sslmode'],
    ]);
    const shared = new URL(policy.tenantUrl(base, { database: 'tenant_b' }));
    expect([shared.username, shared.password, shared.pathname]).toEqual(['admin', 'admin-secret', '/tenant_b']);
    expect([...shared.searchParams.keys()]).toEqual(['sslcert', 'sslkey', 'sslmode']);
  });

  it.each([
    ['postgresql://t:p@db.internal/tenant_a', 'tenant_a'],
    ['postgresql://t:p@bouncer.internal:6432/tenant_a', 'tenant_a'],
    ['postgresql://t:p@db-alias:5433/tenant_a', 'tenant_a'],
    ['postgresql://t:p@[::1]/tenant_a', 'tenant_a'],
    ['postgresql://t:p@elsewhere/tenant_a?host=db.internal', 'tenant_a'],
    ['postgresql://t:p@/tenant_a?host=db.internal', 'tenant_a'],
    // Checked without opening the files its TLS parameters name.
    ['postgresql://t:p@db.internal/tenant_a?ssl%63ert=/nonexistent/t.crt', 'tenant_a'],
    ['postgresql://t:p@db.internal/tenant_a?sslcert=/nonexistent/t.crt&sslkey=/nonexistent/t.key', 'tenant_a'],
  ])('accepts %s', (url, database) => {
    expect(policy.read('acme', url)).toMatchObject({ database, user: 't', password: 'p' });
  });

  it.each([
    'postgresql://t:p@evil.example/tenant_a',
    'postgresql://t:p@db.internal:5433/tenant_a',
    'postgresql://t:p@db.internal/tenant_a?host=evil.example',
    'postgresql://t:p@db.internal/tenant_a?port=6000',
    'postgresql://t:p@db.internal/tenant_a?hostaddr=10.0.0.9',
    'postgresql://t:p@db.internal/tenant_a?service=other',
    'postgresql://t:p@db.internal/tenant_a?host%61ddr=10.0.0.9',
    'postgresql://t:p@/tenant_a?host=/var/run/postgresql',
    'postgresql://t:p@db.internal:5432,evil.example:5432/tenant_a',
    'postgresql://t:p@db.internal/tenant_a?host=db.internal,evil.example',
    'postgresql://t:p@db.internal/tenant_a?connectionString=postgresql://evil.example/x&host=evil.example',
    'socket://t:p@/var/run/postgresql?db=tenant_a',
    'mysql://t:p@db.internal/tenant_a',
    'not a url',
  ])('refuses %s with TenantMisconfiguredError', (url) => {
    expect(() => policy.read('acme', url)).toThrow(TenantMisconfiguredError);
  });

  it('validates allowedServers at construction, naming the field', () => {
    const store = { encryptsUrls: true } as never;
    const base = { store, migrations: [], ownerUrl: owner, defaultStrategy: 'rls' as const };
    for (const allowedServers of [['evil.example:99999'], ['http://x'], 'db:5432', [5432]]) {
      expect(() =>
        validateProvisionerOptions({
          ...base,
          database: { adminUrl, perTenantRole: true, allowedServers: allowedServers as never },
        }),
      ).toThrow(expect.objectContaining({ field: 'database.allowedServers' }));
    }
    expect(() =>
      validateProvisionerOptions({
        ...base,
        database: { adminUrl, perTenantRole: true, allowedServers: ['db:5432', 'db2'] },
      }),
    ).not.toThrow();
  });
});
