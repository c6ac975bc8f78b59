import { randomBytes } from 'node:crypto';

import { Pool } from 'pg';

import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import { TenancyConfigError } from '../../lib/errors/tenancy-config.error';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { createTestDatabase, type TestDatabase } from '../support';

/** Rotation re-encrypts what decrypts; it never turns a value written without the key into a trusted one. */
describe('PrismaTenantStore.rotateSecrets and encryptPlaintextUrls', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const url = (id: string) => `postgresql://u_${id}:pw-${id}@db.internal:5432/db_${id}`;
  let db: TestDatabase;
  let pool: Pool;
  let before: PrismaTenantStore;
  let after: PrismaTenantStore;

  const stored = async (id: string): Promise<string | null> =>
    (await pool.query('SELECT database_url FROM tenancy.tenancy_tenants WHERE id = $1', [id])).rows[0]?.database_url ??
    null;
  /** Written straight into the table, as someone with SQL access but without the key would. */
  const plant = (id: string, value: string) =>
    pool.query(
      "INSERT INTO tenancy.tenancy_tenants (id, status, strategy, database_url) VALUES ($1, 'active', 'database', $2) " +
        'ON CONFLICT (id) DO UPDATE SET database_url = EXCLUDED.database_url',
      [id, value],
    );

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    pool = new Pool({ connectionString: db.ownerUrl, max: 3 });
    before = new PrismaTenantStore(pool, { cipher: new TenantSecretCipher({ keys: [oldKey] }) });
    after = new PrismaTenantStore(pool, { cipher: new TenantSecretCipher({ keys: [newKey, oldKey] }) });
    await before.migrate();
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('re-encrypts only values that decrypt for their tenant, and reports plaintext and undecryptable ones unchanged', async () => {
    await before.create({ id: 'rot-old', strategy: 'database', databaseUrl: url('old') });
    await after.create({ id: 'rot-new', strategy: 'database', databaseUrl: url('new') });
    await plant('rot-plain', url('plain'));
    await plant(
      'rot-foreign-key',
      new TenantSecretCipher({ keys: [randomBytes(32)] }).encrypt(url('fk'), { aad: 'rot-foreign-key' }),
    );
    // A valid ciphertext of another tenant, copied onto this row: the aad makes it fail.
    await plant('rot-copied', (await stored('rot-old'))!);
    const untouched = {
      plain: await stored('rot-plain'),
      foreign: await stored('rot-foreign-key'),
      copied: await stored('rot-copied'),
    };

    const report = await after.rotateSecrets();
    expect(report).toEqual({
      rotated: ['rot-old'],
      current: ['rot-new'],
      plaintext: ['rot-plain'],
      undecryptable: [
        { id: 'rot-copied', reason: 'AUTHENTICATION_FAILED' },
        { id: 'rot-foreign-key', reason: 'UNKNOWN_KEY' },
      ],
      changedMeanwhile: [],
    });
    expect(await stored('rot-plain')).toBe(untouched.plain);
    expect(await stored('rot-foreign-key')).toBe(untouched.foreign);
    expect(await stored('rot-copied')).toBe(untouched.copied);
    expect(await stored('rot-old')).toMatch(/^v1\./);
    expect(after.plaintextDatabaseUrl((await after.findById('rot-old'))!)).toBe(url('old'));
    // On the new key now: the old key alone no longer opens it.
    await expect(before.findById('rot-old')).rejects.toMatchObject({ reason: 'UNKNOWN_KEY' });

    const again = await after.rotateSecrets();
    expect(again).toMatchObject({ rotated: [], current: ['rot-new', 'rot-old'], plaintext: ['rot-plain'] });
  });

  it('encrypts plaintext URLs only for the tenants named, and says what it did with each', async () => {
    await plant('seal-a', url('sa'));
    await plant('seal-b', url('sb'));
    const report = await after.encryptPlaintextUrls(['seal-a', 'rot-new', 'nobody', 'seal-a']);
    expect(report).toEqual({
      encrypted: ['seal-a'],
      alreadyEncrypted: ['rot-new'],
      notFound: ['nobody'],
      withoutUrl: [],
      changedMeanwhile: [],
    });
    expect(await stored('seal-a')).toMatch(/^v1\./);
    expect(after.plaintextDatabaseUrl((await after.findById('seal-a'))!)).toBe(url('sa'));
    expect(await stored('seal-b')).toBe(url('sb'));
    expect((await after.rotateSecrets()).plaintext).toEqual(['rot-plain', 'seal-b']);
  });

  it('needs a cipher, and a list of ids', async () => {
    const plain = new PrismaTenantStore(pool);
    await expect(plain.rotateSecrets()).rejects.toBeInstanceOf(TenancyConfigError);
    await expect(plain.encryptPlaintextUrls(['seal-b'])).rejects.toBeInstanceOf(TenancyConfigError);
    for (const bad of [undefined, 'seal-b', [1], ['']]) {
      await expect(after.encryptPlaintextUrls(bad as never)).rejects.toBeInstanceOf(TypeError);
    }
    expect(await stored('seal-b')).toBe(url('sb'));
  });
});
