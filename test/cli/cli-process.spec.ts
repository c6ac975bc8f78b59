import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { createCliHarness, type CliHarness } from './cli-fixtures';

const ROOT = join(__dirname, '..', '..');

/** Runs `lib/cli/main.ts` as the bin would run, in a process of its own. */
function spawnCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // PATH only from the parent: no TENANCY_* setting leaks into the child.
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'lib/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('CLI as a process (the bin entry)', () => {
  let h: CliHarness;

  beforeAll(async () => {
    h = await createCliHarness();
  });
  afterAll(() => h?.close());

  it('runs main.ts with its shebang line and exits 0 on --help', async () => {
    const { code, stdout } = await spawnCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: nestjs-prisma-tenancy <command>/);
  }, 60_000);

  it('sets the exit code: 2 for a settings error', async () => {
    const { code, stderr } = await spawnCli(['status']);
    expect(code).toBe(2);
    expect(stderr).toContain('TENANCY_REGISTRY_URL');
  }, 60_000);

  it('exits by itself after talking to the database (every pool closed)', async () => {
    const provisioned = await spawnCli(['provision', 'solo'], h.env);
    expect(provisioned).toMatchObject({ code: 0, stdout: expect.stringContaining('provisioned solo') });
    const { code, stdout } = await spawnCli(['migrate', '--all'], h.env);
    expect(code).toBe(0);
    expect(stdout).toContain('1 targets: 1 ok, 0 failed');
  }, 60_000);
});
