import { createCliHarness, spawnCli, writeMigrationsTo, type CliHarness } from './cli-fixtures';

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

  it('Ctrl+C during migrate --all: the tenant under way finishes and is recorded, the rest are skipped, exit 130', async () => {
    for (const id of ['ca', 'cb', 'cc', 'cd']) expect((await spawnCli(['provision', id], h.env)).code).toBe(0);
    // Slow enough that the second tenant is still under way when the signal lands.
    writeMigrationsTo(h.migrationsDir, { '20250107000000_slow': 'SELECT pg_sleep(0.5);\n' });
    let sent = false;
    const run = await spawnCli(['migrate', '--all', '--concurrency', '1'], h.env, {
      onStdout: (chunk, child) => {
        if (!sent && /^ok /m.test(chunk)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted: finishing the tenants under way');
    expect(run.stderr).toMatch(
      /interrupted: \d tenant\(s\) not migrated; run `nestjs-prisma-tenancy migrate --all` again/,
    );
    const ok = run.stdout.match(/^ok /gm)?.length ?? 0;
    const skipped = run.stdout.match(/^skip /gm)?.length ?? 0;
    const targets = Number(/(\d+) targets:/.exec(run.stdout)?.[1]);
    expect(ok).toBeGreaterThanOrEqual(2); // the first, and the one under way when interrupted
    expect(skipped).toBeGreaterThan(0);
    expect(targets).toBeGreaterThanOrEqual(4);
    expect(run.stdout).toContain(`${targets} targets: ${ok} ok, 0 failed, ${skipped} skipped`);
    expect(ok + skipped).toBe(targets);
    // Skipped tenants were not touched; a re-run finishes them.
    const rerun = await spawnCli(['migrate', '--all'], h.env);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`${targets} targets: ${targets} ok, 0 failed; ${skipped} migrations applied`);
  }, 60_000);

  it('Ctrl+C during migrate --all --json: the report says interrupted, exit 130, progress on stderr only', async () => {
    writeMigrationsTo(h.migrationsDir, { '20250107000001_slow_again': 'SELECT pg_sleep(0.5);\n' });
    let sent = false;
    const run = await spawnCli(['migrate', '--all', '--concurrency', '1', '--json'], h.env, {
      onStderr: (chunk, child) => {
        if (!sent && /^ok /m.test(chunk)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(run.code).toBe(130);
    const report = JSON.parse(run.stdout) as {
      targets: { status: string }[];
      totals: { targets: number; ok: number; skipped: number };
      interrupted: boolean;
    };
    expect(report.interrupted).toBe(true);
    expect(report.totals.skipped).toBeGreaterThan(0);
    expect(report.totals.ok + report.totals.skipped).toBe(report.totals.targets);
    expect(report.targets.filter((line) => line.status === 'skipped')).toHaveLength(report.totals.skipped);
    expect(run.stderr).toMatch(/interrupted: \d tenant\(s\) not migrated/);
  }, 60_000);
});
