import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { withClient } from '../support';
import { createCliHarness, type CliHarness } from './cli-fixtures';

// The module has no default strategy; neither has the CLI: a CLI left unset
// would otherwise provision tenants with another strategy than the app's.
describe('CLI strategy setting: required to provision or migrate, no default', () => {
  let h: CliHarness;
  const unset = { env: { TENANCY_STRATEGY: '' } }; // empty counts as unset

  beforeAll(async () => {
    h = await createCliHarness();
  });
  afterAll(() => h?.close());

  const registryExists = () =>
    withClient(
      h.db.ownerUrl,
      async (c) => (await c.query(`SELECT to_regclass('tenancy.tenancy_tenants') AS t`)).rows[0].t,
    );

  it.each([
    [['provision', 'acme']],
    [['provision', 'acme', '--strategy', 'schema']],
    [['migrate', '--all']],
    [['migrate', 'acme']],
    [['suspend', 'acme']],
    [['migrate-shared']],
  ])('%j without it: exit 2 naming the three ways to set it, nothing created', async (argv) => {
    const run = await h.run(argv, unset);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toMatch(/^error: missing setting "defaultStrategy": the CLI needs the app's strategy/);
    expect(run.stderr).toContain(
      '"defaultStrategy" in tenancy.config.json, or TENANCY_STRATEGY, or --default-strategy',
    );
    expect(await registryExists()).toBeNull();
  });

  it('as JSON: an INVALID_SETTINGS error document', async () => {
    const run = await h.run(['provision', 'acme', '--json'], unset);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'INVALID_SETTINGS', message: expect.stringContaining('TENANCY_STRATEGY') },
    });
  });

  it('set once in tenancy.config.json: provision uses it; status and init never needed it', async () => {
    expect((await h.run(['init'], unset)).code).toBe(0);
    expect(await h.run(['status'], unset)).toMatchObject({ code: 0, stdout: 'No tenants registered.\n' });
    const config = join(h.dir, 'tenancy.config.json');
    writeFileSync(config, JSON.stringify({ defaultStrategy: 'rls' }));
    try {
      expect((await h.run(['provision', 'r1'], unset)).stdout).toMatch(/^provisioned r1 \(rls, shared tables\)/);
    } finally {
      rmSync(config);
    }
    // A record naming no strategy (written by hand) shows that the default applies, whatever it is.
    await withClient(h.db.ownerUrl, (c) =>
      c.query(`INSERT INTO tenancy.tenancy_tenants (id, status) VALUES ('bare', 'suspended')`),
    );
    expect((await h.run(['status'], unset)).stdout).toMatch(/^bare\s+\(default\)\s+suspended/m);
    expect((await h.run(['status'])).stdout).toMatch(/^bare\s+\(schema\)\s+suspended/m);
    const tenants = JSON.parse((await h.run(['status', '--json'], unset)).stdout) as {
      id: string;
      strategy?: string;
    }[];
    expect(tenants.find((t) => t.id === 'r1')?.strategy).toBe('rls');
  });
});
