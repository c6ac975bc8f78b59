import { PassThrough } from 'node:stream';

import { CliOutput } from '../../lib/cli/cli-output';
import { MIGRATIONS } from '../migrations/migration-fixtures';
import { withClient } from '../support';
import { createCliHarness, runCaptured, writeMigrationsTo, type CliHarness, type CliRun } from './cli-fixtures';

const NAMES = Object.keys(MIGRATIONS);
const BROKEN = '20250105000000_broken';
// What must never reach a terminal: C0 but tab and line feed, DEL, C1, bidi controls.
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The run's stdout as its one JSON document: throws unless stdout is exactly one. */
function documentOf(run: CliRun): Record<string, unknown> & { error?: { code: string; message: string } } {
  expect(run.stdout.endsWith('}\n') || run.stdout.endsWith(']\n')).toBe(true);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('CLI --json: one JSON document on stdout per run, errors included, same exit codes', () => {
  let h: CliHarness;

  beforeAll(async () => {
    h = await createCliHarness();
  });
  afterAll(() => h?.close());

  it('usage and settings errors: exit 2, { error: { code, message } } on stdout, nothing on stderr', async () => {
    const usage = await runCaptured(['migrate', '--json']);
    expect([usage.code, usage.stderr]).toEqual([2, '']);
    expect(documentOf(usage).error).toEqual({
      code: 'USAGE',
      message: 'migrate needs a tenant id or --all (not both)',
      hint: expect.stringContaining('Usage: nestjs-prisma-tenancy migrate'),
    });
    const unknown = await runCaptured(['migrate', '--all', '--bogus', '--json']);
    expect([unknown.code, documentOf(unknown).error?.code]).toEqual([2, 'USAGE']);
    const settings = await runCaptured(['status', '--json']);
    expect([settings.code, settings.stderr]).toEqual([2, '']);
    expect(documentOf(settings).error).toEqual({
      code: 'INVALID_SETTINGS',
      message: expect.stringContaining('TENANCY_REGISTRY_URL'),
    });
    const none = await runCaptured(['--json']);
    expect([none.code, documentOf(none).error?.code]).toEqual([2, 'USAGE']);
    const version = await runCaptured(['--version', '--json']);
    expect(documentOf(version)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('init, provision, status, claim: their reports', async () => {
    const init = await h.run(['init', '--json']);
    expect(init.code).toBe(0);
    expect(documentOf(init)).toEqual({ schema: 'tenancy', applied: expect.any(Array), warnings: [] });
    expect((documentOf(init).applied as string[]).length).toBeGreaterThan(0);

    const provision = await h.run(['provision', 'ja', '--name', 'J A', '--json']);
    expect([provision.code, provision.stderr]).toEqual([0, '']);
    expect(documentOf(provision)).toEqual({
      tenant: expect.objectContaining({
        id: 'ja',
        name: 'J A',
        status: 'active',
        strategy: 'schema',
        schemaName: 'tenant_ja',
        schemaVersion: NAMES.at(-1),
        hasDatabaseUrl: false,
      }),
      provisioned: true,
      applied: NAMES,
      durationMs: expect.any(Number),
      registryCreated: false,
    });
    const again = await h.run(['provision', 'ja', '--json']);
    expect(documentOf(again)).toMatchObject({ provisioned: false, applied: [], tenant: { status: 'active' } });
    expect((await h.run(['provision', 'jb', '--json'])).code).toBe(0);

    const status = await h.run(['status', '--json']);
    expect((documentOf(status) as unknown as { id: string }[]).map((t) => t.id)).toEqual(['ja', 'jb']);
    expect(documentOf(await h.run(['claim', 'ja', '--json']))).toEqual({ tenantId: 'ja', marked: [] });
  });

  it('migrate <id> and migrate --all: the per-tenant report with totals; a failure exits 1 with the report', async () => {
    const one = await h.run(['migrate', 'ja', '--json']);
    expect([one.code, one.stderr]).toEqual([0, '']);
    expect(documentOf(one)).toEqual({
      targets: [
        {
          tenantId: 'ja',
          schema: 'tenant_ja',
          status: 'ok',
          applied: [],
          warnings: [],
          durationMs: expect.any(Number),
        },
      ],
      totals: { targets: 1, ok: 1, failed: 0, skipped: 0, applied: 0, durationMs: expect.any(Number) },
      interrupted: false,
    });

    writeMigrationsTo(h.migrationsDir, { [BROKEN]: 'SELECT * FROM no_such_table;\n' });
    const all = await h.run(['migrate', '--all', '--json']);
    expect(all.code).toBe(1);
    const report = documentOf(all) as {
      targets: { tenantId: string; status: string; error?: { code: string; failedMigrations?: string[] } }[];
      totals: Record<string, number>;
    };
    expect(report.totals).toMatchObject({ targets: 2, ok: 0, failed: 2, skipped: 0 });
    for (const line of report.targets) {
      expect(line).toMatchObject({
        status: 'failed',
        error: { code: 'MIGRATION_FAILED', message: expect.stringContaining(BROKEN), failedMigrations: [BROKEN] },
      });
    }
    // Progress lines and hints go to stderr, never into the document.
    expect(all.stderr).toMatch(/^FAIL ja {2}/m);
    expect(all.stderr).toContain(`resolve ja --rolled-back ${BROKEN}`);

    const blocked = await h.run(['migrate', 'jb', '--json']);
    expect(blocked.code).toBe(1);
    expect(documentOf(blocked)).toMatchObject({
      targets: [{ tenantId: 'jb', status: 'failed', error: { code: 'FAILED_MIGRATION_FOUND' } }],
      totals: { failed: 1 },
    });
  });

  it('resolve, suspend, activate, deprovision: their reports; a refusal is an error document with exit 1', async () => {
    const resolved = await h.run(['resolve', 'ja', '--rolled-back', BROKEN, '--json']);
    expect([resolved.code, documentOf(resolved)]).toEqual([
      0,
      { tenantId: 'ja', migration: BROKEN, markedRolledBack: 1 },
    ]);
    const nothing = await h.run(['resolve', 'ja', '--rolled-back', BROKEN, '--json']);
    expect([nothing.code, documentOf(nothing).error?.code]).toEqual([1, 'NO_FAILED_MIGRATION']);

    const suspended = await h.run(['suspend', 'ja', '--json']);
    expect(documentOf(suspended)).toMatchObject({
      tenant: { id: 'ja', status: 'suspended' },
      previousStatus: 'active',
    });
    // The broken migration is still there: activation fails and leaves the tenant suspended.
    const refused = await h.run(['activate', 'ja', '--json']);
    expect(refused.code).toBe(1);
    expect(documentOf(refused).error).toMatchObject({ code: 'MIGRATION_FAILED', failedMigrations: [BROKEN] });

    const missing = await h.run(['suspend', 'nobody', '--json']);
    expect([missing.code, documentOf(missing).error?.code]).toEqual([1, 'TENANT_NOT_FOUND']);
    const conflict = await h.run(['suspend', 'ja', '--json']);
    expect(documentOf(conflict)).toMatchObject({ tenant: { status: 'suspended' }, previousStatus: 'suspended' });

    const dropped = await h.run(['deprovision', 'jb', '--confirm', 'jb', '--json']);
    expect(dropped.code).toBe(0);
    expect(documentOf(dropped)).toEqual({
      tenant: expect.objectContaining({ id: 'jb', status: 'deleted' }),
      dropped: ['schema tenant_jb'],
    });
    const unconfirmed = await h.run(['deprovision', 'ja', '--json']);
    expect([unconfirmed.code, documentOf(unconfirmed).error?.code]).toEqual([2, 'USAGE']);
  });

  it('a database error: its code, SQLSTATE and hint', async () => {
    const run = await h.run(['status', '--json'], { env: { TENANCY_REGISTRY_SCHEMA: 'no_registry_here' } });
    expect(run.code).toBe(1);
    expect(documentOf(run).error).toEqual({
      code: 'DATABASE_ERROR',
      message: expect.stringContaining('run `init` or provision a tenant'),
      sqlState: '42P01',
    });
  });

  it('control characters: valid JSON that parses back to the exact text, nothing raw on stdout', async () => {
    const hostile = 'x\x1b[31m\x7f\x9b\u202e';
    await withClient(h.db.ownerUrl, (c) =>
      c.query(`UPDATE tenancy.tenancy_tenants SET name = $1 WHERE id = 'ja'`, [hostile]),
    );
    const status = await h.run(['status', '--json']);
    expect(status.stdout).not.toMatch(UNSAFE);
    expect((documentOf(status) as unknown as { id: string; name: string }[]).find((t) => t.id === 'ja')?.name).toBe(
      hostile,
    );
  });
});

describe('CliOutput.document', () => {
  it('redacts secrets before JSON escapes them, and keeps the values exact otherwise', () => {
    const stdout = new PassThrough({ encoding: 'utf8' });
    const output = new CliOutput(stdout, new PassThrough(), false, true);
    const secret = 'pa"ss\\word\u2028';
    output.addSecrets([secret]);
    output.document({ message: `before ${secret} after`, at: new Date(0), nested: [{ n: 1, s: 'é\u0000' }] });
    expect(JSON.parse(String(stdout.read()))).toEqual({
      message: 'before *** after',
      at: '1970-01-01T00:00:00.000Z',
      nested: [{ n: 1, s: 'é\u0000' }],
    });
    expect(() => output.document({})).toThrow(/second JSON document/);
  });
});
