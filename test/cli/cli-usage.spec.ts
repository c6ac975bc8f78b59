import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CLI_COMMANDS } from '../../lib/cli/commands';
import { runCaptured } from './cli-fixtures';

// Nothing here reaches a database: usage and settings errors stop before connecting.
const UNREACHABLE = 'postgresql://owner:hunter2-secret@127.0.0.1:1/registry';

describe('CLI usage and settings errors', () => {
  it('--help lists every command and the settings, exit 0', async () => {
    const { code, stdout, stderr } = await runCaptured(['--help']);
    expect([code, stderr]).toEqual([0, '']);
    for (const command of CLI_COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command.name}\\s+\\S`, 'm'));
    expect(stdout).toContain('TENANCY_REGISTRY_URL');
    expect(stdout).toContain('TENANCY_MIGRATIONS_DIR');
  });

  it.each(CLI_COMMANDS.map((command) => [command.name, command] as const))(
    '%s --help shows its usage and flags, exit 0',
    async (name, command) => {
      const { code, stdout } = await runCaptured([name, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: nestjs-prisma-tenancy ${name}\\b`));
      for (const flag of Object.keys(command.options)) expect(stdout).toContain(`--${flag}`);
      expect(stdout).toContain('TENANCY_REGISTRY_URL');
      expect((await runCaptured(['help', name])).stdout).toBe(stdout);
    },
  );

  it('names the flags the brief asks for in each help', async () => {
    expect((await runCaptured(['provision', '--help'])).stdout).toMatch(
      /--name N[\s\S]*--strategy S[\s\S]*--schema S[\s\S]*--database-url URL/,
    );
    expect((await runCaptured(['migrate', '--help'])).stdout).toMatch(/--all[\s\S]*--concurrency N/);
    expect((await runCaptured(['deprovision', '--help'])).stdout).toContain('--confirm ID');
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['status', '--all'], /unknown option --all for "status"/],
    [['migrate', '--bogus'], /unknown option --bogus/],
    [['provision'], /"provision" needs a tenant id/],
    [['suspend', 'a', 'b'], /unexpected argument "b"/],
    [['migrate'], /a tenant id or --all/],
    [['migrate', 'acme', '--all'], /a tenant id or --all \(not both\)/],
    [['migrate', 'acme', '--concurrency', '2'], /go with --all/],
    [['provision', 'acme', '--strategy', 'silo'], /--strategy must be rls, schema or database/],
    [['deprovision', 'acme'], /refusing to deprovision "acme" without --confirm acme/],
  ])('%j exits 2 with a usage message on stderr', async (argv, message) => {
    const { code, stdout, stderr } = await runCaptured(argv, {
      env: { TENANCY_REGISTRY_URL: UNREACHABLE, TENANCY_APP_ROLE: 'app' },
    });
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^Usage: nestjs-prisma-tenancy/m);
  });

  it('--version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await runCaptured(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('no command at all prints the help on stderr, exit 2', async () => {
    const { code, stderr } = await runCaptured([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Commands:');
  });

  it('a missing registry URL exits 2 naming TENANCY_REGISTRY_URL', async () => {
    for (const command of [['status'], ['migrate', '--all'], ['provision', 'acme']]) {
      const { code, stderr } = await runCaptured(command, {
        env: { TENANCY_APP_ROLE: 'app', TENANCY_STRATEGY: 'schema' },
      });
      expect(code).toBe(2);
      expect(stderr).toContain('TENANCY_REGISTRY_URL');
      expect(stderr).toContain('"registryUrl"');
    }
  });

  it('a schema tenant without an app role exits 2 naming TENANCY_APP_ROLE, before touching the database', async () => {
    const { code, stderr } = await runCaptured(['provision', 'acme'], {
      env: { TENANCY_REGISTRY_URL: UNREACHABLE, TENANCY_STRATEGY: 'schema' },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/invalid option "appRole"[\s\S]*set TENANCY_APP_ROLE/);
  });

  it('invalid settings exit 2 naming their source, without echoing secrets', async () => {
    const badUrl = await runCaptured(['status'], { env: { TENANCY_REGISTRY_URL: 'mysql://root:hunter2-secret@db/x' } });
    expect(badUrl).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('invalid TENANCY_REGISTRY_URL: expected a postgresql:// URL'),
    });
    expect(badUrl.stderr).not.toContain('hunter2');
    const badKeys = await runCaptured(['status'], {
      env: { TENANCY_REGISTRY_URL: UNREACHABLE, TENANCY_ENCRYPTION_KEYS: 'not-a-key-hunter2' },
    });
    expect(badKeys).toMatchObject({ code: 2, stderr: expect.stringContaining('TENANCY_ENCRYPTION_KEYS') });
    expect(badKeys.stderr).not.toContain('hunter2');
    const badConcurrency = await runCaptured(['migrate', '--all', '--concurrency', '0'], {
      env: { TENANCY_CONCURRENCY: '3' },
    });
    expect(badConcurrency).toMatchObject({
      code: 2,
      stderr: 'error: invalid --concurrency: expected a positive integer, got "0"\n',
    });
    const badStrategy = await runCaptured(['status'], {
      env: { TENANCY_REGISTRY_URL: UNREACHABLE, TENANCY_STRATEGY: 'silo' },
    });
    expect(badStrategy).toMatchObject({
      code: 2,
      stderr: 'error: invalid TENANCY_STRATEGY: expected rls, schema or database, got "silo"\n',
    });
  });

  it('TENANCY_TENANT_ID_PATTERN: anchored and valid, or exit 2; provision refuses an id outside it before touching the database', async () => {
    const env = { TENANCY_REGISTRY_URL: UNREACHABLE, TENANCY_APP_ROLE: 'app', TENANCY_STRATEGY: 'schema' };
    const unanchored = await runCaptured(['status'], { env: { ...env, TENANCY_TENANT_ID_PATTERN: '[a-z]+' } });
    expect(unanchored).toMatchObject({
      code: 2,
      stderr:
        'error: invalid TENANCY_TENANT_ID_PATTERN: expected a regular expression anchored with ^ and $, got "[a-z]+"\n',
    });
    const invalid = await runCaptured(['status'], { env: { ...env, TENANCY_TENANT_ID_PATTERN: '^([a-z]$' } });
    expect(invalid).toMatchObject({ code: 2, stderr: expect.stringContaining('expected a valid regular expression') });
    // Stricter than the default: 'acme-2' would pass the default, not this one.
    const refused = await runCaptured(['provision', 'acme-2'], {
      env: { ...env, TENANCY_TENANT_ID_PATTERN: '^[a-z]{2,8}$' },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: .*tenant id.*see TENANCY_TENANT_ID_PATTERN\)$/im);
  });

  it('a database it cannot reach exits 1, with the password masked', async () => {
    const { code, stderr } = await runCaptured(['status'], { env: { TENANCY_REGISTRY_URL: UNREACHABLE } });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*ECONNREFUSED/);
    expect(stderr).not.toContain('hunter2');
  });
});
