import type { Pool } from 'pg';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { TenantMisconfiguredError } from '../errors/tenant-misconfigured.error';
import type { MigrationClient, MigrationTarget } from '../migrations/tenant-migration.interface';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import type { RegistryTenant, RegistryTenantPatch } from '../registry/registry-tenant.interface';
import { quoteIdent } from '../registry/registry.constants';
import { tenantSchemaName } from '../strategies/schema/schema-name';
import type { Tenant } from '../store/tenant.interface';
import { grantAfterMigrations, grantBeforeMigrations } from './provisioning.sql';
import type { StrategyProvisioner } from './strategy-provisioner.interface';

/** One schema per tenant in the shared database, owned by the owner role, usable by the app role. */
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

  async create(tenant: RegistryTenant): Promise<void> {
    const schema = this.schemaOf(tenant);
    const app = this.app();
    const client = await this.owner.connect();
    try {
      // Checked first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (!rowCount) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
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
    await this.owner.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    return [`schema ${schema}`];
  }

  /** The recorded or named schema, held to the schema strategy's own rules (no `public`, `pg_*`...). */
  private schemaOf(tenant: RegistryTenant): string {
    const schema = tenantSchemaName(tenant, { schema: { naming: this.naming } } as ResolvedTenancyOptions);
    if (schema === this.registrySchema) throw new TenantMisconfiguredError(tenant.id, 'its schema is the registry schema');
    return schema;
  }

  private app(): string {
    if (!this.appRole) throw new TenancyConfigError('appRole', 'the schema strategy needs the app role to grant tenant schemas to');
    return this.appRole;
  }
}
