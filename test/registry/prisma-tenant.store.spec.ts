import { randomBytes } from 'node:crypto';

import { Pool } from 'pg';

import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import { TenantSecretDecryptError } from '../../lib/crypto/tenant-secret-decrypt.error';
import { TenantNotFoundError } from '../../lib/errors/tenant-not-found.error';
import { migrationChecksum } from '../../lib/migrations/migration-folder';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { TenantAlreadyRegisteredError } from '../../lib/registry/tenant-already-registered.error';
import { REGISTRY_MIGRATIONS } from '../../lib/registry/tenancy-registry.migration';
import { createTestDatabase, type TestDatabase } from '../support';

describe('PrismaTenantStore', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PrismaTenantStore;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    pool = new Pool({ connectionString: db.ownerUrl, max: 3 });
    store = new PrismaTenantStore(pool);
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await db?.drop();
  });

  it('creates the registry in its own schema, with its history there, and a second migrate applies nothing', async () => {
    const { rows } = await pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tenancy' ORDER BY table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual(['_prisma_migrations', 'tenancy_tenants']);
    expect((await store.migrate()).applied).toEqual([]);
  });

  it('keeps the released migration byte for byte (edit by adding a migration, never in place)', () => {
    expect(REGISTRY_MIGRATIONS.map((m) => m.name)).toEqual([
      '20261125000000_tenancy_registry',
      '20261204000000_tenancy_unique_resources',
    ]);
    expect(migrationChecksum(REGISTRY_MIGRATIONS[0].sql)).toBe(REGISTRY_MIGRATIONS[0].checksum);
    expect(REGISTRY_MIGRATIONS[0].checksum).toBe('26b31950b6fe8f5395afaee176441e89c2e9dbe840e58b98cd25513271b321f4');
  });

  it('creates, finds, lists, updates and sets the status of tenants', async () => {
    const created = await store.create({ id: 'crud-a', name: 'A', strategy: 'schema', schemaName: 'tenant_crud_a' });
    expect(created).toMatchObject({
      id: 'crud-a',
      name: 'A',
      status: 'provisioning',
      strategy: 'schema',
      schemaName: 'tenant_crud_a',
    });
    expect(created.schemaVersion).toBeNull();
    expect(created.createdAt).toBeInstanceOf(Date);
    await store.create({ id: 'crud-b', status: 'active' });

    expect(await store.findById('crud-a')).toEqual(created);
    expect(await store.findById('crud-b')).not.toHaveProperty('name');
    expect(await store.findById('nobody')).toBeNull();

    const active = await store.list({ status: 'active' });
    expect(active.map((t) => t.id)).toContain('crud-b');
    expect(active.map((t) => t.id)).not.toContain('crud-a');
    expect((await store.list({ status: ['active', 'provisioning'], strategy: 'schema' })).map((t) => t.id)).toContain(
      'crud-a',
    );

    const updated = await store.update('crud-a', {
      name: null,
      schemaVersion: '20250102000000_b',
      migratedAt: new Date(),
    });
    expect(updated).not.toHaveProperty('name');
    expect(updated.schemaVersion).toBe('20250102000000_b');
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    // Never backwards: an older process recording an older version leaves the newer one.
    expect((await store.update('crud-a', { schemaVersion: '20250101000000_a' })).schemaVersion).toBe(
      '20250102000000_b',
    );

    expect(await store.setStatus('crud-a', 'failed', new Error('boom'))).toMatchObject({
      status: 'failed',
      lastError: 'boom',
    });
    expect(await store.setStatus('crud-a', 'provisioning')).toMatchObject({
      status: 'provisioning',
      lastError: 'boom',
    });
    expect(await store.setStatus('crud-a', 'active', null)).toMatchObject({ status: 'active', lastError: null });
  });

  it('refuses duplicates, unknown ids, unknown statuses, and statuses outside the check constraint', async () => {
    await store.create({ id: 'dup' });
    await expect(store.create({ id: 'dup' })).rejects.toBeInstanceOf(TenantAlreadyRegisteredError);
    await expect(store.update('ghost', { name: 'x' })).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(store.setStatus('dup', 'paused' as never)).rejects.toThrow(/Unknown tenant status/);
    await expect(
      pool.query("UPDATE tenancy.tenancy_tenants SET status = 'paused' WHERE id = 'dup'"),
    ).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('calls invalidation hooks with the id after each write, and not after a failed one', async () => {
    const seen: string[] = [];
    const off = store.onInvalidate((id) => seen.push(id));
    store.onInvalidate(() => {
      throw new Error('a broken hook does not fail the write');
    });
    await store.create({ id: 'hooked' });
    await store.update('hooked', { name: 'H' });
    await store.setStatus('hooked', 'active');
    await expect(store.create({ id: 'hooked' })).rejects.toThrow();
    off();
    await store.setStatus('hooked', 'suspended');
    expect(seen).toEqual(['hooked', 'hooked', 'hooked']);
  });

  describe('with a cipher', () => {
    const url = 'postgresql://tenant_user:s3cret-pa55@db.internal:5432/tenant_enc';
    const key = randomBytes(32);
    let encrypted: PrismaTenantStore;

    beforeAll(() => {
      encrypted = new PrismaTenantStore(pool, { cipher: new TenantSecretCipher({ keys: [key] }) });
    });

    it('stores database_url encrypted, reads it back decrypted, and never holds the plaintext in the table', async () => {
      expect((await encrypted.create({ id: 'enc', strategy: 'database', databaseUrl: url })).databaseUrl).toBe(url);
      expect((await encrypted.findById('enc'))!.databaseUrl).toBe(url);

      const { rows } = await pool.query('SELECT database_url FROM tenancy.tenancy_tenants WHERE id = $1', ['enc']);
      const stored: string = rows[0].database_url;
      expect(stored).toMatch(/^v1\./);
      expect(stored).not.toContain('s3cret');
      expect(stored).not.toContain('tenant_enc');
      const dump = await pool.query("SELECT string_agg(t::text, '|') AS all FROM tenancy.tenancy_tenants t");
      expect(dump.rows[0].all).not.toContain('s3cret-pa55');

      await encrypted.update('enc', { databaseUrl: `${url}?sslmode=require` });
      expect((await encrypted.findById('enc'))!.databaseUrl).toBe(`${url}?sslmode=require`);
    });

    it('binds the ciphertext to the tenant: copied onto another row it does not decrypt', async () => {
      await encrypted.create({ id: 'enc-victim', strategy: 'database', databaseUrl: 'postgresql://x@h/victim' });
      await pool.query(
        'UPDATE tenancy.tenancy_tenants SET database_url = (SELECT database_url FROM tenancy.tenancy_tenants WHERE id = $1) WHERE id = $2',
        ['enc', 'enc-victim'],
      );
      await expect(encrypted.findById('enc-victim')).rejects.toBeInstanceOf(TenantSecretDecryptError);
    });

    it('hands out ciphertext with decryptOnRead: false, and plaintextDatabaseUrl still opens it', async () => {
      const raw = new PrismaTenantStore(pool, {
        cipher: new TenantSecretCipher({ keys: [key] }),
        decryptOnRead: false,
      });
      const tenant = (await raw.findById('enc'))!;
      expect(tenant.databaseUrl).toMatch(/^v1\./);
      expect(raw.plaintextDatabaseUrl(tenant)).toBe(`${url}?sslmode=require`);
    });

    it('rotateSecrets moves old-key rows to the newest key and leaves plaintext rows as they are (see rotate-secrets.spec.ts)', async () => {
      await store.create({ id: 'enc-plain', strategy: 'database', databaseUrl: 'postgresql://u:plainpw@h/plain' });
      const rotated = new PrismaTenantStore(pool, { cipher: new TenantSecretCipher({ keys: [randomBytes(32), key] }) });
      await pool.query("UPDATE tenancy.tenancy_tenants SET database_url = NULL WHERE id = 'enc-victim'");

      expect(await rotated.rotateSecrets()).toMatchObject({
        rotated: ['enc'],
        plaintext: ['enc-plain'],
        undecryptable: [],
      });
      expect(await rotated.rotateSecrets()).toMatchObject({ rotated: [], current: ['enc'], plaintext: ['enc-plain'] });
      expect((await rotated.findById('enc'))!.databaseUrl).toBe(`${url}?sslmode=require`);
      const { rows } = await pool.query("SELECT database_url FROM tenancy.tenancy_tenants WHERE id = 'enc-plain'");
      expect(rows[0].database_url).toBe('postgresql://u:plainpw@h/plain');
      await expect(encrypted.findById('enc')).rejects.toBeInstanceOf(TenantSecretDecryptError);
    });
  });
});
