import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CliOutput, maskUrl } from '../../lib/cli/cli-output';
import { loadCliSettings } from '../../lib/cli/cli-settings';
import { runCaptured } from './cli-fixtures';

describe('CLI settings: tenancy.config.json < environment < flags', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'tenancy-cli-settings-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const writeConfig = (values: unknown, file = 'tenancy.config.json') =>
    writeFileSync(join(cwd, file), JSON.stringify(values));

  it('fills in the defaults', () => {
    expect(loadCliSettings({ env: {}, cwd, flags: {} })).toEqual({
      registrySchema: 'tenancy',
      migrationsDir: join(cwd, 'prisma/migrations'),
      encryptionKeys: [],
      schemaPrefix: 'tenant_',
      concurrency: 4,
      perTenantRole: false,
      allowPlaintextUrls: false,
      allowedServers: [],
      rlsTables: [],
    });
  });

  it('reads tenancy.config.json from the cwd; the environment overrides it, flags override both', () => {
    writeConfig({
      registryUrl: 'postgresql://file@db/registry',
      appRole: 'file_app',
      concurrency: 2,
      migrationsDir: 'db/migrations',
      encryptionKeys: ['k2', 'k1'],
      rlsTables: ['projects'],
      perTenantRole: true,
    });
    const env = {
      TENANCY_APP_ROLE: 'env_app',
      TENANCY_CONCURRENCY: '6',
      TENANCY_RLS_TABLES: 'a, b',
      TENANCY_PER_TENANT_ROLE: 'false',
    };
    const settings = loadCliSettings({ env, cwd, flags: { concurrency: '8' } });
    expect(settings).toMatchObject({
      registryUrl: 'postgresql://file@db/registry',
      appRole: 'env_app',
      concurrency: 8,
      migrationsDir: join(cwd, 'db/migrations'), // relative to the file
      encryptionKeys: ['k2', 'k1'],
      rlsTables: ['a', 'b'],
      perTenantRole: false,
    });
    // An empty variable counts as unset, so the file's value stays.
    expect(loadCliSettings({ env: { TENANCY_APP_ROLE: '' }, cwd, flags: {} }).appRole).toBe('file_app');
  });

  it('takes --config relative to the cwd, and resolves its paths relative to itself', () => {
    mkdirSync(join(cwd, 'ops'));
    writeConfig({ migrationsDir: '../prisma/m', schemaPrefix: 'org_' }, 'ops/tenancy.json');
    const settings = loadCliSettings({
      env: { TENANCY_MIGRATIONS_DIR: '' },
      cwd,
      flags: {},
      configPath: 'ops/tenancy.json',
    });
    expect(settings).toMatchObject({ migrationsDir: join(cwd, 'prisma/m'), schemaPrefix: 'org_' });
    expect(loadCliSettings({ env: { TENANCY_MIGRATIONS_DIR: 'x' }, cwd, flags: {} }).migrationsDir).toBe(
      join(cwd, 'x'),
    );
  });

  it.each([
    [{ registyUrl: 'postgresql://x@y/z' }, /unknown key\(s\) "registyUrl" in config file/],
    [
      { concurrency: 'lots' },
      /invalid "concurrency" in .*tenancy\.config\.json: expected a positive integer, got "lots"/,
    ],
    [{ schemaPrefix: 'Tenant-' }, /invalid "schemaPrefix" .*: expected lower-case letters/],
    [{ appRole: 'app; DROP' }, /invalid "appRole" .*: expected a plain SQL identifier/],
    [[1, 2], /must hold a JSON object/],
  ])('refuses a bad config file %j (exit 2)', async (config, message) => {
    writeConfig(config);
    expect(() => loadCliSettings({ env: {}, cwd, flags: {} })).toThrow(message);
    const { code, stderr } = await runCaptured(['status'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('refuses a --config file that does not exist, and one that is not JSON', async () => {
    expect(await runCaptured(['status', '--config', 'nope.json'], { cwd })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/config file .*nope\.json not found/),
    });
    writeFileSync(join(cwd, 'tenancy.config.json'), '{ registryUrl: ');
    expect(await runCaptured(['status'], { cwd })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('is not valid JSON'),
    });
  });
});

describe('CLI output never shows secrets', () => {
  it('masks the password of any URL', () => {
    expect(maskUrl('connect postgresql://app:s3cr%40t@db:5432/x?sslmode=require failed')).toBe(
      'connect postgresql://app:***@db:5432/x?sslmode=require failed',
    );
    expect(maskUrl('postgres://app@db/x and postgres://:p@db/y')).toBe('postgres://app@db/x and postgres://:***@db/y');
  });

  it('hides configured passwords (raw or decoded) and keys wherever they appear', () => {
    let printed = '';
    const output = new CliOutput(
      { write: (s: string) => (printed += s) },
      { write: (s: string) => (printed += s) },
      false,
    );
    const key = 'a'.repeat(64);
    output.addSecrets([key], ['postgresql://owner:pa%24%24word-1@db/x', undefined, 'postgresql://nopass@db/y']);
    output.out(`key ${key}; password pa$$word-1 or pa%24%24word-1`);
    output.err('password authentication failed for user "owner"');
    expect(printed).toBe('key ***; password *** or ***\npassword authentication failed for user "owner"\n');
  });
});
