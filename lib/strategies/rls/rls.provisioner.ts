import type { Pool } from 'pg';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import { TenantMigrationRunner } from '../../migrations/migration-runner';
import type {
  MigrationClient,
  TenantMigration,
  TenantMigrationResult,
} from '../../migrations/tenant-migration.interface';
import type { StrategyProvisioner } from '../../provisioning/strategy-provisioner.interface';
import { quoteIdent } from '../../registry/registry.constants';
import type { RegistryTenant } from '../../registry/registry-tenant.interface';
import { rlsPolicySql } from './rls-policy.sql';
import type { RlsProvisioningOptions } from './rls.options';

const POLICY_PREFIX = 'tenant_isolation';
const COMMANDS = ['select', 'insert', 'update', 'delete'];

/**
 * RLS tenants share the database: a tenant is only a registry row, and its
 * data appears when rows carry its id. The database itself is migrated once,
 * by `migrateShared()`.
 */
export class RlsStrategyProvisioner implements StrategyProvisioner {
  constructor(
    private readonly owner: Pool,
    private readonly options: RlsProvisioningOptions = {},
  ) {}

  prepare(): Record<string, never> {
    return {};
  }

  async create(): Promise<void> {}

  target(): null {
    return null;
  }

  connect(): Promise<MigrationClient> {
    throw new TenancyConfigError('strategy', 'RLS tenants have no migrations of their own; use migrateShared()');
  }

  async grant(): Promise<void> {}

  /**
   * Nothing to drop: the tenant's rows stay in the shared tables, for the app
   * to delete, unless `deleteRows`: then they are deleted from `rls.tables`
   * in one transaction, children (later in the list) first. The deletes run
   * as the owner with the tenant's setting, so the policies (FORCE'd on the
   * owner too) let exactly that tenant's rows go. Returns what was deleted.
   */
  async drop(tenant: RegistryTenant, options: { deleteRows?: boolean } = {}): Promise<string[]> {
    if (!options.deleteRows) return [];
    const { schema, tables = [], tenantColumn = 'tenant_id', setting = 'app.tenant_id' } = this.options;
    if (tables.length === 0)
      throw new TenancyConfigError('rls.tables', 'deleteRows needs the tables holding tenant rows');
    const client = await this.owner.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT set_config($1, $2, true)', [setting, tenant.id]);
      const deleted: string[] = [];
      for (const table of [...tables].reverse()) {
        const qualified = (schema ? `${quoteIdent(schema)}.` : '') + quoteIdent(table);
        const { rowCount } = await client.query(`DELETE FROM ${qualified} WHERE ${quoteIdent(tenantColumn)} = $1`, [
          tenant.id,
        ]);
        deleted.push(`${rowCount ?? 0} row(s) from ${table}`);
      }
      await client.query('COMMIT');
      return deleted;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Applies the migrations to the shared database, then (re)creates the RLS
   * policies of `rls.tables` in one transaction, so the tables are never
   * without them; it briefly locks each table, as any ALTER TABLE does.
   */
  async migrateShared(runnerOptions: {
    migrations: readonly TenantMigration[];
    lockTimeoutMs: number;
    checksumMismatch?: 'error' | 'warn';
  }): Promise<TenantMigrationResult> {
    const { schema, tables = [] } = this.options;
    const runner = new TenantMigrationRunner({ pool: this.owner, ...runnerOptions });
    const result = await runner.migrate({ tenantId: 'shared', schema });
    if (tables.length === 0) return result;
    const sql = tables.map((table) => this.policies(table)).join('\n');
    const client = await this.owner.connect();
    try {
      await client.query(`BEGIN;\n${sql}\nCOMMIT;`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return result;
  }

  private policies(table: string): string {
    const { schema, tenantColumn, setting } = this.options;
    const create = rlsPolicySql({ table, schema, tenantColumn, setting, policyPrefix: POLICY_PREFIX });
    const qualified = (schema ? `${quoteIdent(schema)}.` : '') + quoteIdent(table);
    const drops = COMMANDS.map(
      (command) => `DROP POLICY IF EXISTS ${quoteIdent(`${POLICY_PREFIX}_${command}`)} ON ${qualified};`,
    );
    return [...drops, create].join('\n');
  }
}
