import type { Pool, PoolClient } from 'pg';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { TenantMisconfiguredError } from '../../errors/tenant-misconfigured.error';
import type { MigrationClient, MigrationTarget } from '../../migrations/tenant-migration.interface';
import { grantAfterMigrations, grantBeforeMigrations } from '../../provisioning/provisioning.sql';
import { expectOwnedOrAbsent, mark, readMarker } from '../../provisioning/resource-ownership';
import type { StrategyProvisioner } from '../../provisioning/strategy-provisioner.interface';
import type { RegistryTenant, RegistryTenantPatch } from '../../registry/registry-tenant.interface';
import { quoteIdent } from '../../registry/registry.constants';
import type { Tenant } from '../../store/tenant.interface';
import { tenantSchemaName } from './schema-name';

/**
 * One schema per tenant in the shared database, owned by the owner role,
 * usable by the app role, and marked as the tenant's (a comment the app role
 * cannot write), so no other tenant's provisioning adopts or drops it.
 */
export class SchemaStrategyProvisioner implements StrategyProvisioner {
  constructor(
    private readonly owner: Pool,
    private readonly appRole: string | undefined,
    private readonly naming: (tenant: Tenant) => string,
    /** The registry's schema: never a tenant's, whatever a record says. */
    private readonly registrySchema: string,
  ) {}

  prepare(tenant: RegistryTenant): RegistryTenantPatch {
    const schemaName = this.schemaOf(tenant);
    return tenant.schemaName === schemaName ? {} : { schemaName };
  }

  async check(tenant: RegistryTenant): Promise<void> {
    const schema = this.schemaOf(tenant);
    expectOwnedOrAbsent(await readMarker(this.owner, 'schema', schema), tenant.id, 'schema', schema);
  }

  async create(tenant: RegistryTenant): Promise<void> {
    const schema = this.schemaOf(tenant);
    const app = this.app();
    const client = await this.owner.connect();
    try {
      // Checked first: CREATE SCHEMA needs CREATE on the database even when the schema exists.
      if (!expectOwnedOrAbsent(await readMarker(client, 'schema', schema), tenant.id, 'schema', schema)) {
        await this.createMarked(client, schema, tenant.id);
      }
      await client.query(grantBeforeMigrations(schema, app));
    } finally {
      client.release();
    }
  }

  target(tenant: RegistryTenant): MigrationTarget {
    return { tenantId: tenant.id, schema: this.schemaOf(tenant) };
  }

  connect(): Promise<MigrationClient> {
    return this.owner.connect();
  }

  async grant(tenant: RegistryTenant): Promise<void> {
    await this.owner.query(grantAfterMigrations(this.schemaOf(tenant), this.app()));
  }

  async drop(tenant: RegistryTenant): Promise<string[]> {
    const schema = this.schemaOf(tenant);
    // Only the owner role can change a marker, so the one read is the one dropped.
    if (expectOwnedOrAbsent(await readMarker(this.owner, 'schema', schema), tenant.id, 'schema', schema)) {
      await this.owner.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    }
    return [`schema ${schema}`];
  }

  async claim(tenant: RegistryTenant): Promise<string[]> {
    const schema = this.schemaOf(tenant);
    const state = await readMarker(this.owner, 'schema', schema);
    if (state.state === 'absent')
      throw new TenantMisconfiguredError(tenant.id, `its schema "${schema}" does not exist`);
    if (state.state === 'unmarked') {
      await mark(this.owner, 'schema', schema, tenant.id);
      return [`schema ${schema}`];
    }
    expectOwnedOrAbsent(state, tenant.id, 'schema', schema);
    return [];
  }

  resource(tenant: RegistryTenant): { kind: 'schema'; name: string } {
    return { kind: 'schema', name: tenant.schemaName ?? '?' };
  }

  /** The schema and its marker together: never one without the other, even if the process dies. */
  private async createMarked(client: PoolClient, schema: string, tenantId: string): Promise<void> {
    await client.query('BEGIN');
    try {
      await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await mark(client, 'schema', schema, tenantId);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** The recorded or named schema, held to the schema strategy's own rules (no `public`, `pg_*`...). */
  private schemaOf(tenant: RegistryTenant): string {
    const schema = tenantSchemaName(tenant, this.naming);
    if (schema === this.registrySchema)
      throw new TenantMisconfiguredError(tenant.id, 'its schema is the registry schema');
    return schema;
  }

  private app(): string {
    if (!this.appRole)
      throw new TenancyConfigError('appRole', 'the schema strategy needs the app role to grant tenant schemas to');
    return this.appRole;
  }
}
