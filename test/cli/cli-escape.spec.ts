import fc from 'fast-check';

import { escapeTerminal } from '../../lib/cli/cli-escape';
import { withClient } from '../support';
import { createCliHarness, spawnCli, writeMigrationsTo, type CliHarness } from './cli-fixtures';

// Hole 11: control sequences stored in a tenant's name, id or last error (or
// in a database error message) reached the operator's terminal raw.
// A clear screen, an OSC 8 hyperlink (ESC ] 8 ;; url BEL), carriage return and
// backspace (overwrite), a one-byte C1 CSI, bidi override and isolate.
const HOSTILE = 'Evil\x1b[2J\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\r\bok\x9b31m\u202egnp.exe\u2066x\u2069';
// What must never reach a terminal from the data: C0 but tab and line feed, DEL, C1, bidi controls.
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('escapeTerminal', () => {
  it('leaves no character a terminal acts on, keeps tab and line feed', () => {
    expect(escapeTerminal('a\tb\nc')).toBe('a\tb\nc');
    expect(escapeTerminal(HOSTILE)).not.toMatch(UNSAFE);
    expect(escapeTerminal('\x1b[31m\u202e\x9b')).toBe('\\u001b[31m\\u202e\\u009b');
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !UNSAFE.test(escapeTerminal(s))));
  });

  it('keeps JSON valid and its strings unchanged once parsed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const json = escapeTerminal(JSON.stringify({ s }));
        return JSON.parse(json).s === s;
      }),
    );
  });
});

describe('CLI output escapes control sequences from tenant data (as a process)', () => {
  let h: CliHarness;
  const hostileId = 'x\x1b[31mred\u202e';

  beforeAll(async () => {
    h = await createCliHarness();
    const provisioned = await spawnCli(['provision', 'evil', '--name', HOSTILE], h.env);
    expect(provisioned.code).toBe(0);
    await withClient(h.db.ownerUrl, async (c) => {
      await c.query(`UPDATE tenancy.tenancy_tenants SET last_error = $1 WHERE id = 'evil'`, [HOSTILE]);
      // Ids are checked at provisioning; one written into the registry by hand is not.
      await c.query(
        `INSERT INTO tenancy.tenancy_tenants (id, name, status, strategy) VALUES ($1, $2, 'suspended', 'rls')`,
        [hostileId, HOSTILE],
      );
    });
  }, 60_000);
  afterAll(() => h?.close());

  it('status: the table shows the sequences escaped, one line per tenant', async () => {
    const { code, stdout, stderr } = await spawnCli(['status'], h.env);
    expect(code).toBe(0);
    expect(stdout + stderr).not.toMatch(UNSAFE);
    expect(stdout).toContain('Evil\\u001b[2J\\u001b]8;;https://evil.example/\\u0007click');
    expect(stdout).toContain('x\\u001b[31mred\\u202e');
    const lines = stdout.split('\n');
    expect(lines.filter((line) => line.includes('Evil\\u001b'))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('evil ') || line.startsWith('x\\u001b'))).toHaveLength(2);
  }, 60_000);

  it('status --json: valid JSON that parses back to the stored values, no raw control character', async () => {
    const { code, stdout } = await spawnCli(['status', '--json'], h.env);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(UNSAFE);
    const tenants = JSON.parse(stdout) as { id: string; name: string; lastError?: string }[];
    expect(tenants.find((t) => t.id === 'evil')).toMatchObject({ name: HOSTILE, lastError: HOSTILE });
    expect(tenants.find((t) => t.id === hostileId)).toMatchObject({ name: HOSTILE });
  }, 60_000);

  it('commands echoing an id, and errors naming one, print it escaped', async () => {
    const activate = await spawnCli(['suspend', hostileId], h.env);
    expect(activate.stdout + activate.stderr).toContain('x\\u001b[31mred\\u202e');
    expect(activate.stdout + activate.stderr).not.toMatch(UNSAFE);
    const unknown = await spawnCli(['deprovision', `nobody\x1b]8;;https://evil.example/\x07`, '--yes'], h.env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout + unknown.stderr).not.toMatch(UNSAFE);
  }, 60_000);

  it('migrate --all on a terminal: the progress bar and colours are the only control codes; a hostile error is escaped', async () => {
    writeMigrationsTo(h.migrationsDir, {
      '20250109000000_hostile': `DO $$ BEGIN RAISE EXCEPTION E'boom\\x1b[2J\\x1b]8;;https://evil.example/\\x07\\u202e'; END $$;\n`,
    });
    const run = await h.run(['migrate', '--all'], { isTTY: true });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('\x1b[31m'); // the output's own colour
    expect(run.stderr).toMatch(/\r\x1b\[2K\[/); // and its redraw
    const own = /\r\x1b\[2K|\x1b\[(31|32|33|2|0)m/g;
    expect((run.stdout + run.stderr).replace(own, '')).not.toMatch(UNSAFE);
    expect(run.stdout + run.stderr).toContain('boom\\u001b[2J\\u001b]8;;https://evil.example/\\u0007\\u202e');
  }, 60_000);
});
