import { randomBytes } from 'node:crypto';

import type { Client } from 'pg';

import { TenantSecretCipher } from '../../lib/crypto/tenant-secret.cipher';
import { migrationChecksum } from '../../lib/migrations/migration-folder';
import type { TenantMigration } from '../../lib/migrations/tenant-migration.interface';
import type { TenantLifecycleEvent, TenantLifecycleEvents } from '../../lib/provisioning/tenant-lifecycle.events';
import { TenantProvisioner } from '../../lib/provisioning/tenant-provisioner.service';
import type { TenantProvisionerOptions } from '../../lib/provisioning/tenant-provisioner.interface';
import { PrismaTenantStore } from '../../lib/registry/prisma-tenant.store';
import { createTestDatabase, TEST_ROLES, type TestDatabase } from '../support';
import { MIGRATIONS } from '../migrations/migration-fixtures';

/** Migrations as the runner takes them, from `{ name: sql }`. */
export function migrationsOf(scripts: Record<string, string>): TenantMigration[] {
  return Object.entries(scripts).map(([name, sql]) => ({ name, sql, checksum: migrationChecksum(sql) }));
}

/** The runner's three test migrations (projects/tasks, audit_log, a column and a seed row). */
export const APP_MIGRATIONS = migrationsOf(MIGRATIONS);
export const [FIRST, SECOND, THIRD] = APP_MIGRATIONS.map((migration) => migration.name);

/** A fourth migration, for "the app shipped a new one". */
export const LABELS: TenantMigration = migrationsOf({
  '20250104000000_labels': 'CREATE TABLE "labels" ("id" TEXT NOT NULL, CONSTRAINT "labels_pkey" PRIMARY KEY ("id"));\n',
})[0];

/** Ids unique to one call, so tests sharing a database never meet. */
export function tenantIds(label: string, n: number): string[] {
  const run = randomBytes(2).toString('hex');
  return Array.from({ length: n }, (_, i) => `${label}-${run}-${i}`);
}

/** A database holding the registry (with a cipher), and provisioners on it. */
export interface ProvisioningHarness {
  db: TestDatabase;
  store: PrismaTenantStore;
  cipher: TenantSecretCipher;
  /** A provisioner over the harness store; each call is another "process". Closed by `close()`. */
  provisioner(options?: Partial<TenantProvisionerOptions>): TenantProvisioner;
  close(): Promise<void>;
}

export async function createProvisioningHarness(): Promise<ProvisioningHarness> {
  const db = await createTestDatabase({ migrations: [] });
  const cipher = new TenantSecretCipher({ keys: [randomBytes(32)] });
  const store = new PrismaTenantStore(db.ownerUrl, { cipher });
  await store.migrate();
  const made: TenantProvisioner[] = [];
  return {
    db,
    store,
    cipher,
    provisioner: (options = {}) => {
      const provisioner = new TenantProvisioner({
        store,
        migrations: APP_MIGRATIONS,
        ownerUrl: db.ownerUrl,
        appRole: TEST_ROLES.app.name,
        ...options,
      });
      made.push(provisioner);
      return provisioner;
    },
    close: async () => {
      await Promise.all(made.map((provisioner) => provisioner.close()));
      await store.close();
      await db.drop();
    },
  };
}

/** Every event the provisioner emits, in order, as `[name, payload]`. */
export function recordEvents(
  provisioner: TenantProvisioner,
): [TenantLifecycleEvent, TenantLifecycleEvents[TenantLifecycleEvent]][] {
  const seen: [TenantLifecycleEvent, TenantLifecycleEvents[TenantLifecycleEvent]][] = [];
  for (const event of ['provisioned', 'migrated', 'suspended', 'activated', 'deleted', 'failed'] as const) {
    provisioner.on(event, (payload) => seen.push([event, payload]));
  }
  return seen;
}

/** Tables of a schema, sorted. */
export async function tablesOf(client: Pick<Client, 'query'>, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ t: string }>(
    'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
    [schema],
  );
  return rows.map((row) => row.t);
}

/** Names in a schema's `_prisma_migrations`, applied ones only, with repeats. */
export async function appliedIn(client: Pick<Client, 'query'>, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT migration_name AS n FROM "${schema}"._prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`,
  );
  return rows.map((row) => row.n);
}
