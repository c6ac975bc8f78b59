import type { Pool } from 'pg';
import { TenancyConfigError } from '../errors/tenancy-config.error';
import { TenantMigrationRunner } from '../migrations/migration-runner';
import type { MigrationClient, TenantMigration, TenantMigrationResult } from '../migrations/tenant-migration.interface';
import { quoteIdent } from '../registry/registry.constants';
import { rlsPolicySql } from '../strategies/rls/rls-policy.sql';
import type { StrategyProvisioner } from './strategy-provisioner.interface';
import type { RlsProvisioningOptions } from './tenant-provisioner.interface';

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

  /** Nothing to drop: the tenant's rows stay in the shared tables, for the app to delete. */
  async drop(): Promise<string[]> {
    return [];
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
    const drops = COMMANDS.map((command) => `DROP POLICY IF EXISTS ${quoteIdent(`${POLICY_PREFIX}_${command}`)} ON ${qualified};`);
    return [...drops, create].join('\n');
  }
}
