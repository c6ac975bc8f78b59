import { randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { Client, Pool } from 'pg';

import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
import { TenantMigrationRunner } from '../../lib/migrations/migration-runner';
import { DEFAULT_TENANT_ID_PATTERN, defaultSchemaName } from '../../lib/options/tenancy-options.validator';
import { TenantResourceNotOwnedError } from '../../lib/provisioning/tenant-resource-not-owned.error';
import type { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import type { DatabaseProvisioningOptions } from '../../lib/provisioning/tenant-provisioner.interface';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { REGISTRY_MIGRATIONS } from '../../lib/registry/tenancy-registry.migration';
import { TenantResourceTakenError } from '../../lib/registry/tenant-resource-taken.error';
import type { Tenant } from '../../lib/store/tenant.interface';
import { createTestDatabase, serverAdminUrl, withClient } from '../support';
import { createProvisioningHarness, tablesOf, type ProvisioningHarness } from './provisioning-fixtures';

// Hole 1 of issue 8: two tenant ids on one schema or database. The first layer is canonical ids and an injective
// default naming; below it the registry refuses two records on one schema or database, and provisioning refuses
// (never adopts, alters or drops) objects not marked as the tenant's.

/** The release before: case-insensitive, `-` and `_`, 63 characters. Apps may still configure it. */
const PERMISSIVE = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
const run = () => randomBytes(3).toString('hex');
const marker = (id: string) => `nestjs-prisma-tenancy:tenant=${id}`;

describe('tenant ids are canonical, and the default naming is injective', () => {
  it('the default pattern takes lower-case letters, digits and `-` only, at most 56 characters', () => {
    for (const id of ['acme-co', 'a', '0', 'x'.repeat(56), 'a-b-c9'])
      expect({ id, ok: DEFAULT_TENANT_ID_PATTERN.test(id) }).toEqual({ id, ok: true });
    for (const id of ['ACME-CO', 'Acme', 'acme_co', '-acme', 'x'.repeat(57), '', 'a b', 'é']) {
      expect({ id, ok: DEFAULT_TENANT_ID_PATTERN.test(id) }).toEqual({ id, ok: false });
    }
  });

  it('gives distinct ids distinct names, each within PostgreSQL 63-byte identifiers', () => {
    const id = fc.stringMatching(DEFAULT_TENANT_ID_PATTERN);
    fc.assert(
      fc.property(id, id, (a, b) => {
        const [na, nb] = [defaultSchemaName({ id: a } as Tenant), defaultSchemaName({ id: b } as Tenant)];
        return Buffer.byteLength(na) <= 63 && (a === b) === (na === nb);
      }),
      { numRuns: 2_000 },
    );
    // The pairs the release before sent to one schema.
    expect(['ACME-CO', 'acme_co'].filter((other) => DEFAULT_TENANT_ID_PATTERN.test(other))).toEqual([]);
  });
});

describe('TenantProvisioner: two tenants never share a schema', () => {
  let h: ProvisioningHarness;
  let owner: Pool;
  let strict: TenantProvisioner;
  let permissive: TenantProvisioner;

  beforeAll(async () => {
    h = await createProvisioningHarness();
    owner = new Pool({ connectionString: h.db.ownerUrl, max: 2 });
    strict = h.provisioner();
    permissive = h.provisioner({ tenantIdPattern: PERMISSIVE });
  });
  afterAll(async () => {
    await owner?.end();
    await h?.close();
  });

  const victimWithData = async () => {
    const id = `acme-co-${run()}`;
    const victim = await strict.provision({ id });
    await owner.query(`INSERT INTO ${victim.schemaName}.projects (id, name) VALUES ('v1', 'secret')`);
    return victim;
  };
  const victimIntact = async (victim: { id: string; schemaName?: string }) => {
    expect((await h.store.findById(victim.id))!.status).toBe('active');
    expect((await owner.query(`SELECT name FROM ${victim.schemaName}.projects WHERE id = 'v1'`)).rows).toEqual([
      { name: 'secret' },
    ]);
    const { rows } = await owner.query(
      "SELECT obj_description(oid, 'pg_namespace') AS m FROM pg_namespace WHERE nspname = $1",
      [victim.schemaName],
    );
    expect(rows).toEqual([{ m: marker(victim.id) }]);
  };

  it('refuses ids differing by case or separator under the default pattern, before anything is written', async () => {
    const victim = await victimWithData();
    for (const id of [victim.id.toUpperCase(), victim.id.replace(/-/g, '_')]) {
      await expect(strict.provision({ id })).rejects.toBeInstanceOf(InvalidTenantIdError);
      expect(await h.store.findById(id)).toBeNull();
    }
    await victimIntact(victim);
  });

  it('under a permissive pattern, the colliding id is refused by the registry (409), with nothing written, and deprovisioning it drops nothing', async () => {
    const victim = await victimWithData();
    for (const id of [victim.id.toUpperCase(), victim.id.replace(/-/g, '_')]) {
      const error = await permissive.provision({ id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantResourceTakenError);
      expect(error).toMatchObject({
        status: 409,
        errorCode: 'TENANT_RESOURCE_TAKEN',
        resource: 'schema',
        resourceName: victim.schemaName,
      });
      expect(await h.store.findById(id)).toBeNull();
      await expect(permissive.deprovision(id, { confirm: id })).rejects.toMatchObject({
        errorCode: 'TENANT_NOT_FOUND',
      });
    }
    await victimIntact(victim);
  });

  it("refuses `provision evil --schema <another tenant's schema>`", async () => {
    const victim = await victimWithData();
    const evil = `evil-${run()}`;
    await expect(strict.provision({ id: evil, schemaName: victim.schemaName })).rejects.toBeInstanceOf(
      TenantResourceTakenError,
    );
    await expect(strict.provision({ id: evil, schemaName: victim.schemaName!.toUpperCase() })).rejects.toMatchObject({
      errorCode: 'TENANT_MISCONFIGURED',
    });
    expect(await h.store.findById(evil)).toBeNull();
    await victimIntact(victim);
  });

  it('never adopts a schema it did not create for the tenant: unmarked, or marked for another tenant (another registry)', async () => {
    const [unmarked, foreign] = [`hand-${run()}`, `foreign-${run()}`];
    const schemaOf = (id: string) => defaultSchemaName({ id } as Tenant);
    await owner.query(`CREATE SCHEMA ${schemaOf(unmarked)}; CREATE TABLE ${schemaOf(unmarked)}.keep (id int)`);
    await owner.query(
      `CREATE SCHEMA ${schemaOf(foreign)}; COMMENT ON SCHEMA ${schemaOf(foreign)} IS '${marker('someone-else')}'`,
    );
    for (const [id, owned] of [
      [unmarked, 'unmarked'],
      [foreign, 'another-tenant'],
    ] as const) {
      const error = await strict.provision({ id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantResourceNotOwnedError);
      expect(error).toMatchObject({ status: 409, object: 'schema', objectName: schemaOf(id), owner: owned });
      expect(await h.store.findById(id)).toBeNull();
    }
    // Nothing migrated into it.
    expect(await tablesOf(owner, schemaOf(unmarked))).toEqual(['keep']);
  });

  it('a record naming an unmarked schema: provision and deprovision refuse it, nothing is dropped', async () => {
    const [id] = [`stray-${run()}`];
    const schema = defaultSchemaName({ id } as Tenant);
    await owner.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.keep (id int)`);
    // A record written by hand (store.create bypasses provisioning) naming an unmarked schema.
    await h.store.create({ id, strategy: 'schema', schemaName: schema, status: 'failed' });
    await expect(strict.provision({ id })).rejects.toBeInstanceOf(TenantResourceNotOwnedError);
    await expect(strict.deprovision(id, { confirm: id })).rejects.toBeInstanceOf(TenantResourceNotOwnedError);
    expect(await tablesOf(owner, schema)).toEqual(['keep']);
  });

  it('refuses names past 63 bytes up front (PostgreSQL would truncate them into one), with nothing written', async () => {
    const longPrefix = h.provisioner({
      tenantIdPattern: PERMISSIVE,
      schema: { naming: (t) => `tenant_of_the_app_${t.id.replace(/-/g, '_')}` },
    });
    const id = `long-${'x'.repeat(50)}`;
    await expect(longPrefix.provision({ id })).rejects.toMatchObject({ errorCode: 'TENANT_MISCONFIGURED' });
    expect(await h.store.findById(id)).toBeNull();
    // The longest default id fits exactly.
    const longest = `l${run()}`.padEnd(56, 'z');
    const tenant = await strict.provision({ id: longest });
    expect(Buffer.byteLength(tenant.schemaName!)).toBe(63);
    expect((await owner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tenant.schemaName])).rowCount).toBe(1);
  });
});

describe('TenantProvisioner: two tenants never share a database or a role', () => {
  let h: ProvisioningHarness;
  let admin: Client;
  const PREFIX = `tenancy_t_${process.env.TENANCY_TEST_RUN_ID}_nc`;
  const naming = (tenant: Tenant) => `${PREFIX}_${tenant.id.toLowerCase().replace(/-/g, '_')}`;
  const provisioner = (database: Partial<DatabaseProvisioningOptions> = {}) =>
    h.provisioner({
      defaultStrategy: 'database',
      tenantIdPattern: PERMISSIVE,
      database: { adminUrl: serverAdminUrl(), perTenantRole: true, naming, ...database },
    });
  const verifier = async (role: string) =>
    (await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0]?.rolpassword;

  beforeAll(async () => {
    h = await createProvisioningHarness();
    admin = new Client({ connectionString: serverAdminUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    const { rows: dbs } = await admin.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [PREFIX]);
    for (const { datname } of dbs) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    const { rows: roles } = await admin.query('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [PREFIX]);
    for (const { rolname } of roles) await admin.query(`DROP ROLE IF EXISTS "${rolname}"`);
    await admin?.end();
    await h?.close();
  });

  it("refuses a colliding id: the victim's role password is not reset, its database neither adopted nor dropped", async () => {
    const p = provisioner();
    const victim = await p.provision({ id: `v-${run()}` });
    const name = naming(victim);
    await withClient(victim.databaseUrl!, (c) => c.query("INSERT INTO projects (id, name) VALUES ('v1', 'secret')"));
    const before = await verifier(name);

    // Through the registry: the generated URL names the same server and database.
    const twin = victim.id.replace(/-/g, '_');
    await expect(p.provision({ id: twin })).rejects.toMatchObject({
      errorCode: 'TENANT_RESOURCE_TAKEN',
      resource: 'database',
    });
    expect(await h.store.findById(twin)).toBeNull();

    // Without it (another registry on the same server, or a record lost): the markers refuse.
    await withClient(h.db.ownerUrl, (c) => c.query('DELETE FROM tenancy.tenancy_tenants WHERE id = $1', [victim.id]));
    const error = await p.provision({ id: twin }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantResourceNotOwnedError);
    expect(await h.store.findById(twin)).toBeNull();
    await h.store.create({ id: twin, strategy: 'database', databaseUrl: victim.databaseUrl, status: 'failed' });
    await expect(p.provision({ id: twin })).rejects.toBeInstanceOf(TenantResourceNotOwnedError);
    await expect(p.deprovision(twin, { confirm: twin })).rejects.toBeInstanceOf(TenantResourceNotOwnedError);

    expect(await verifier(name)).toBe(before);
    await withClient(victim.databaseUrl!, async (c) =>
      expect((await c.query('SELECT name FROM projects WHERE id = $1', ['v1'])).rows).toEqual([{ name: 'secret' }]),
    );
  });

  it('refuses a database or role of the tenant name made by hand, before registering', async () => {
    const p = provisioner();
    const [byDatabase, byRole] = [`hd-${run()}`, `hr-${run()}`];
    await admin.query(`CREATE DATABASE ${naming({ id: byDatabase } as Tenant)} TEMPLATE template0`);
    await admin.query(`CREATE ROLE ${naming({ id: byRole } as Tenant)} LOGIN PASSWORD 'theirs'`);
    const roleBefore = await verifier(naming({ id: byRole } as Tenant));
    for (const [id, object] of [
      [byDatabase, 'database'],
      [byRole, 'role'],
    ] as const) {
      await expect(p.provision({ id })).rejects.toMatchObject({
        errorCode: 'TENANT_RESOURCE_NOT_OWNED',
        object,
        owner: 'unmarked',
      });
      expect(await h.store.findById(id)).toBeNull();
    }
    expect(await verifier(naming({ id: byRole } as Tenant))).toBe(roleBefore);
    expect(
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [naming({ id: byRole } as Tenant)])).rowCount,
    ).toBe(0);
  });
  it('claim marks the database and own role of a tenant provisioned before markers, refusing one marked for another', async () => {
    const p = provisioner();
    const tenant = await p.provision({ id: `c-${run()}` });
    const name = naming(tenant);
    const markers = async () =>
      (
        await admin.query(
          "SELECT (SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1) AS db, (SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1) AS role",
          [name],
        )
      ).rows[0];
    expect(await markers()).toEqual({ db: marker(tenant.id), role: marker(tenant.id) });
    await admin.query(`COMMENT ON DATABASE ${name} IS NULL; COMMENT ON ROLE ${name} IS NULL`);
    await p.suspend(tenant.id);
    await expect(p.activate(tenant.id)).resolves.toMatchObject({ status: 'active' }); // not an ownership operation
    await expect(p.deprovision(tenant.id, { confirm: 'no' })).rejects.toThrow();

    await admin.query(`COMMENT ON DATABASE ${name} IS '${marker('someone-else')}'`);
    await expect(p.claim(tenant.id)).rejects.toMatchObject({
      errorCode: 'TENANT_RESOURCE_NOT_OWNED',
      object: 'database',
      owner: 'another-tenant',
    });
    expect(await markers()).toEqual({ db: marker('someone-else'), role: null });

    await admin.query(`COMMENT ON DATABASE ${name} IS NULL`);
    expect(await p.claim(tenant.id)).toEqual([`database ${name}`, `role ${name}`]);
    expect(await markers()).toEqual({ db: marker(tenant.id), role: marker(tenant.id) });
    expect(await p.claim(tenant.id)).toEqual([]);
    await p.deprovision(tenant.id, { confirm: tenant.id });
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount).toBe(0);
  });
});

describe('the registry: one record per schema and per database', () => {
  let h: ProvisioningHarness;

  beforeAll(async () => {
    h = await createProvisioningHarness();
  });
  afterAll(async () => h?.close());

  it('refuses a second record on one schema (compared lower-cased), on create and on update', async () => {
    const schema = `s_${run()}`;
    await h.store.create({ id: `a-${schema}`, strategy: 'schema', schemaName: schema });
    await expect(
      h.store.create({ id: `b-${schema}`, strategy: 'schema', schemaName: schema.toUpperCase() }),
    ).rejects.toBeInstanceOf(TenantResourceTakenError);
    await h.store.create({ id: `c-${schema}`, strategy: 'schema' });
    await expect(h.store.update(`c-${schema}`, { schemaName: schema })).rejects.toMatchObject({
      errorCode: 'TENANT_RESOURCE_TAKEN',
      resource: 'schema',
    });
    expect(await h.store.findById(`b-${schema}`)).toBeNull();
    expect((await h.store.findById(`c-${schema}`))!.schemaName).toBeUndefined();
  });

  it('refuses a second record on one database however its URL is spelt, encrypted or not: host case, default port, ?host= and ?port= overrides, other credentials', async () => {
    const db = `d_${run()}`;
    await h.store.create({
      id: `first-${db}`,
      strategy: 'database',
      databaseUrl: `postgresql://app:pw@db.example:5432/${db}`,
    });
    const spellings = [
      `postgresql://app:pw@DB.Example/${db}`,
      `postgresql://other:secret@db.example:5432/${db}?sslmode=disable`,
      `postgresql://app:pw@elsewhere:6543/${db}?host=db.example&port=5432`,
      h.cipher.encrypt(`postgres://x@db.example/${db}`, { aad: `sealed-${db}` }),
    ];
    for (const [i, databaseUrl] of spellings.entries()) {
      const id = i === 3 ? `sealed-${db}` : `twin${i}-${db}`;
      const error = await h.store.create({ id, strategy: 'database', databaseUrl }).catch((e: unknown) => e);
      expect({ i, error }).toEqual({ i, error: expect.any(TenantResourceTakenError) });
      expect((error as TenantResourceTakenError).resourceName).toBe(`db.example:5432/${db}`);
      expect((error as Error).message).not.toMatch(/pw|secret/);
    }
    // Another server, or another database on it, is another database.
    await h.store.create({
      id: `port-${db}`,
      strategy: 'database',
      databaseUrl: `postgresql://app:pw@db.example:6543/${db}`,
    });
    await h.store.create({
      id: `name-${db}`,
      strategy: 'database',
      databaseUrl: `postgresql://app:pw@db.example:5432/${db}_2`,
    });
  });

  it('upgrades a registry of the release before: derives the keys of existing URLs, and refuses to upgrade over shared schemas', async () => {
    const db = await createTestDatabase({ migrations: [] });
    const pool = new Pool({ connectionString: db.ownerUrl, max: 2 });
    try {
      const v1 = new TenantMigrationRunner({ pool, migrations: REGISTRY_MIGRATIONS.slice(0, 1), schema: 'old' });
      await v1.migrate({ schema: 'old', tenantId: 'tenancy-registry' });
      const sealed = h.cipher.encrypt('postgresql://app:pw@h1/shop', { aad: 'sealed' });
      await pool.query(
        `INSERT INTO old.tenancy_tenants (id, strategy, database_url, schema_name) VALUES
         ('sealed', 'database', $1, NULL), ('plain', 'database', 'postgresql://app:pw@h2/shop', NULL),
         ('twin', 'database', 'postgresql://x@H1:5432/shop', NULL), ('s1', 'schema', NULL, 'tenant_s'), ('s2', 'schema', NULL, 'tenant_S')`,
        [sealed],
      );
      const store = new PrismaTenantStore(pool, { schema: 'old', cipher: h.cipher });
      await expect(store.migrate()).rejects.toThrow(/tenant records share a schema: tenant_s \(s1, s2\)/);
      await pool.query("DELETE FROM old.tenancy_tenants WHERE id = 's2'");
      const result = await store.migrate();
      expect(result.applied).toEqual([REGISTRY_MIGRATIONS[1].name]);
      // The two records on one database are reported, not silently accepted.
      expect(result.warnings).toEqual([
        expect.stringMatching(/tenant "twin" names database h1:5432\/shop, as tenant\(s\) "sealed" do/),
      ]);
      const { rows } = await pool.query('SELECT id, database_key FROM old.tenancy_tenants ORDER BY id');
      expect(rows).toEqual([
        { id: 'plain', database_key: 'h2:5432/shop' },
        { id: 's1', database_key: null },
        { id: 'sealed', database_key: 'h1:5432/shop' },
        { id: 'twin', database_key: null },
      ]);
      await expect(
        store.create({ id: 'new', strategy: 'database', databaseUrl: 'postgresql://y@h2/shop' }),
      ).rejects.toBeInstanceOf(TenantResourceTakenError);
      await store.close();
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
