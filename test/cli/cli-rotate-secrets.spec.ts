import { randomBytes } from 'node:crypto';

import { Pool } from 'pg';

import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { createCliHarness, type CliHarness } from './cli-fixtures';

describe('CLI rotate-secrets', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const keys = (...list: Buffer[]) => ({ TENANCY_ENCRYPTION_KEYS: list.map((key) => key.toString('hex')).join(',') });
  let h: CliHarness;
  let pool: Pool;

  const stored = async (id: string): Promise<string> =>
    (await pool.query('SELECT database_url FROM tenancy.tenancy_tenants WHERE id = $1', [id])).rows[0].database_url;

  beforeAll(async () => {
    h = await createCliHarness();
    pool = new Pool({ connectionString: h.db.ownerUrl, max: 2 });
    expect((await h.run(['init'])).code).toBe(0);
    const store = new PrismaTenantStore(pool, { cipher: new TenantSecretCipher({ keys: [oldKey] }) });
    await store.create({ id: 'cli-old', strategy: 'database', databaseUrl: 'postgresql://u:old-secret@db/old' });
    // Written without the key, straight into the table.
    await pool.query(
      "INSERT INTO tenancy.tenancy_tenants (id, status, strategy, database_url) VALUES ('cli-plain', 'active', 'database', 'postgresql://u:plain-secret@evil/x')",
    );
  });

  afterAll(async () => {
    await pool?.end();
    await h?.close();
  });

  it('rotates what decrypts, lists the plaintext URL it skipped (unchanged), and exits 1', async () => {
    const plain = await stored('cli-plain');
    const run = await h.run(['rotate-secrets'], { env: keys(newKey, oldKey) });
    expect(run).toMatchObject({
      code: 1,
      stdout: expect.stringContaining('rotated 1 URL(s) to the newest key, 0 already on it'),
    });
    expect(run.stderr).toContain('skipped 1 plaintext URL(s), left as they are: cli-plain');
    expect(await stored('cli-plain')).toBe(plain);

    const json = await h.run(['rotate-secrets', '--json'], { env: keys(newKey, oldKey) });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      rotated: [],
      current: ['cli-old'],
      plaintext: ['cli-plain'],
      undecryptable: [],
      changedMeanwhile: [],
    });
    // With the old key gone, the rotated row still opens; nothing printed a URL or password.
    expect(await h.run(['rotate-secrets'], { env: keys(newKey) })).toMatchObject({ code: 1 });
    expect(h.printed()).not.toMatch(/old-secret|plain-secret|postgresql:/);
  });

  it('encrypts plaintext URLs only of the tenants named with --encrypt-plaintext, then exits 0', async () => {
    const run = await h.run(['rotate-secrets', '--encrypt-plaintext', 'cli-plain,nobody', '--json'], {
      env: keys(newKey),
    });
    expect(JSON.parse(run.stdout)).toMatchObject({
      encryptPlaintext: { encrypted: ['cli-plain'], notFound: ['nobody'] },
      plaintext: [],
      current: ['cli-old', 'cli-plain'],
    });
    expect(run.code).toBe(0);
    expect(await stored('cli-plain')).toMatch(/^v1\./);
  });

  it('needs the keys, and ids after --encrypt-plaintext (exit 2, nothing done)', async () => {
    expect(await h.run(['rotate-secrets'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('TENANCY_ENCRYPTION_KEYS'),
    });
    expect(await h.run(['rotate-secrets', '--encrypt-plaintext', ' , '], { env: keys(newKey) })).toMatchObject({
      code: 2,
    });
  });
});
