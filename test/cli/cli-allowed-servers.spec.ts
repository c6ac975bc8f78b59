import { randomBytes } from 'node:crypto';

import { Client } from 'pg';
import { parse } from 'pg-connection-string';

import { serverAdminUrl, TEST_ROLES } from '../support';
import { createCliHarness, type CliHarness } from './cli-fixtures';

// Under the harness prefix, so a crashed run's databases are swept by the global teardown.
const PREFIX = `tenancy_t_${process.env.TENANCY_TEST_RUN_ID}_clias_`;

describe('CLI, database tenants on another address of the admin server (TENANCY_ALLOWED_SERVERS)', () => {
  let h: CliHarness;
  let admin: Client;
  const env = () => ({
    TENANCY_STRATEGY: 'database',
    TENANCY_ADMIN_URL: serverAdminUrl(),
    TENANCY_APP_URL: serverAdminUrl().replace(/\/\/[^@]*@/, `//${TEST_ROLES.app.name}:${TEST_ROLES.app.password}@`),
    TENANCY_ENCRYPTION_KEYS: randomKey,
    TENANCY_SCHEMA_PREFIX: PREFIX,
  });
  const randomKey = randomBytes(32).toString('hex');

  beforeAll(async () => {
    h = await createCliHarness();
    admin = new Client({ connectionString: serverAdminUrl() });
    await admin.connect();
  });

  afterAll(async () => {
    const { rows } = await admin.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [PREFIX]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin?.end();
    await h?.close();
  });

  it('refuses a --database-url naming another address, and provisions it once that address is allowed', async () => {
    const real = parse(serverAdminUrl());
    const alias = real.host === 'localhost' ? '127.0.0.1' : 'localhost';
    const url = (id: string) =>
      `postgresql://${TEST_ROLES.app.name}:${TEST_ROLES.app.password}@${alias}:${real.port}/${PREFIX}${id}`;
    const refused = await h.run(['provision', 'refused', '--database-url', url('refused')], { env: env() });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('database.allowedServers') });
    const listed = JSON.parse((await h.run(['status', '--json'], { env: env() })).stdout) as { id: string }[];
    expect(listed.map((tenant) => tenant.id)).not.toContain('refused');

    const allowed = await h.run(['provision', 'allowed', '--database-url', url('allowed')], {
      env: { ...env(), TENANCY_ALLOWED_SERVERS: `${alias}:${real.port}` },
    });
    expect(allowed).toMatchObject({ code: 0, stdout: expect.stringContaining('provisioned allowed') });
    expect(h.printed()).not.toContain(TEST_ROLES.app.password);
  });

  it('checks the setting (exit 2, naming it)', async () => {
    const run = await h.run(['provision', 'x'], { env: { ...env(), TENANCY_ALLOWED_SERVERS: 'http://nope' } });
    expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining('TENANCY_ALLOWED_SERVERS') });
  });
});
