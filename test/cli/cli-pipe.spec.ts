import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { withClient } from '../support';
import { createCliHarness, spawnCli, writeMigrationsTo, type CliHarness } from './cli-fixtures';

const ROOT = join(__dirname, '..', '..');
// A Node stack trace, or the crash report of an unhandled 'error' event.
const CRASH = /\n\s+at .+[:(]\d+|Unhandled 'error' event|EPIPE/;

describe('CLI writing to a pipe its reader closed (`| head -1`)', () => {
  let h: CliHarness;

  beforeAll(async () => {
    h = await createCliHarness();
    for (const id of ['pa', 'pb', 'pc']) expect((await spawnCli(['provision', id], h.env)).code).toBe(0);
  }, 90_000);
  afterAll(() => h?.close());

  it('the reader gone before anything is written: exit 0, nothing on stderr', async () => {
    for (const args of [['--help'], ['status'], ['status', '--json']]) {
      const run = await spawnCli(args, h.env, { closeStdout: true });
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  }, 60_000);

  it('a real failure keeps its exit code, and the command still finishes (the outcome is recorded)', async () => {
    writeMigrationsTo(h.migrationsDir, { '20250108000000_broken': 'SELECT * FROM no_such_table;\n' });
    const run = await spawnCli(['migrate', '--all'], h.env, { closeStdout: true });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(CRASH);
    expect(run.stderr).toContain('resolve pa --rolled-back 20250108000000_broken');
    await withClient(h.db.ownerUrl, async (c) => {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tenancy.tenancy_tenants WHERE last_error LIKE '%20250108000000_broken%'`,
      );
      expect(rows[0].n).toBe(3);
    });
  }, 60_000);

  it('stdout and stderr both closed: the exit code is all that is left, and it is right', async () => {
    const usage = await spawnCli(['status', '--bogus'], h.env, { closeStdout: true, closeStderr: true });
    expect(usage.code).toBe(2);
    const settings = await spawnCli(['status'], {}, { closeStdout: true, closeStderr: true });
    expect(settings.code).toBe(2);
  }, 60_000);

  it('through a shell: `status | head -1` prints the first line, the CLI exits 0 without a trace', async () => {
    const script =
      `"${process.execPath}" -r @swc-node/register lib/cli/main.ts status 2>"$ERR" | head -1; ` +
      'echo "cli=${PIPESTATUS[0]}"; cat "$ERR"';
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', `ERR=$(mktemp); ${script}; rm -f "$ERR"`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...h.env },
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.on('error', reject);
      child.on('close', () => resolve({ stdout: out }));
    });
    expect(stdout).toMatch(/^id\s+name\s+strategy\s+status/);
    expect(stdout.split('\n').slice(1).join('\n')).toBe('cli=0\n');
  }, 60_000);
});
