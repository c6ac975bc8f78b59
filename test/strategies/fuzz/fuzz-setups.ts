import { Pool } from 'pg';
import type { PrismaClient } from '../../fixtures/generated/client';
import { type TenancyModuleOptions } from '../../../lib';
import { readMigrationsFolder, TenantMigrationRunner } from '../../../lib/migrations';
import {
  createTestDatabase,
  FIXTURE_MIGRATIONS,
  FIXTURE_MIGRATIONS_DIR,
  markOwned,
  serverAdminUrl,
  type TestDatabase,
} from '../../support';
import { createDatabaseTenants } from '../database/database-app';
import { createTenantDatabase, dropTenantDatabases, type TenantDatabase } from '../database/tenant-servers';
import { TEST_TENANTS } from '../rls/rls-app';
import { createSchemaTenantsDatabase } from '../schema/schema-tenants';
import { bootFuzzApp, type FuzzApp, type FuzzPlatform } from './fuzz-app';

/**
 * Where rows may live, read as a superuser (past RLS) for the final check:
 * `owner` for a place that is one tenant's alone, `rlsTenants` for a shared
 * table whose rows say their tenant, neither for a place that must stay empty.
 */
export interface Place {
  url: string;
  schema: string;
  owner?: string;
  rlsTenants?: readonly string[];
}

export interface FuzzTarget {
  app: FuzzApp;
  places: Place[];
  drop(): Promise<void>;
}

export interface FuzzSetup {
  label: string;
  /** The HTTP platform of the app: the fuzz covers both, one per setup. */
  platform: FuzzPlatform;
  tenants: readonly string[];
  /** The schema `tenant`'s tables live in, as seen from tenant `from`: what a hostile `SET search_path` aims at. */
  schemaOf(tenant: string, from: string): string;
  boot(): Promise<FuzzTarget>;
}

const ACTIVE_IDS = TEST_TENANTS.filter((x) => x.status === 'active').map((x) => x.id);
// Not a timeout test: many first connections at once on a 2-core CI box can take seconds.
const DATABASE_OPTIONS = { connectTimeoutMs: 20_000 };

function rls(mode: 'transaction' | 'session', platform: FuzzPlatform): FuzzSetup {
  return {
    label: `rls, ${mode} mode`,
    platform,
    tenants: ACTIVE_IDS,
    schemaOf: () => 'public',
    boot: async () => {
      const db = await createTestDatabase();
      const app = await bootFuzzApp(db.appUrl, { rls: { mode } }, platform);
      return { app, places: [{ url: db.adminUrl, schema: 'public', rlsTenants: ACTIVE_IDS }], drop: () => db.drop() };
    },
  };
}

const schema: FuzzSetup = {
  label: 'schema',
  platform: 'fastify',
  tenants: ACTIVE_IDS,
  schemaOf: (id) => `tenant_${id}`,
  boot: async () => {
    const db = await createSchemaTenantsDatabase(ACTIVE_IDS);
    const app = await bootFuzzApp(db.appUrl, { strategy: 'schema', strategies: ['schema'] }, schema.platform);
    const places: Place[] = [
      { url: db.adminUrl, schema: 'public' },
      ...ACTIVE_IDS.map((id) => ({ url: db.adminUrl, schema: `tenant_${id}`, owner: id })),
    ];
    return { app, places, drop: () => db.drop() };
  },
};

const database: FuzzSetup = {
  label: 'database',
  platform: 'express',
  tenants: ACTIVE_IDS,
  schemaOf: () => 'public',
  boot: async () => {
    const setup = await createDatabaseTenants(ACTIVE_IDS, [serverAdminUrl()]);
    const tenants = [...setup.tenants, ...TEST_TENANTS.filter((x) => x.status !== 'active')];
    const app = await bootFuzzApp(
      setup.shared.appUrl,
      { strategy: 'database', strategies: ['database'], tenants, database: DATABASE_OPTIONS },
      database.platform,
    );
    const places: Place[] = [
      { url: setup.shared.adminUrl, schema: 'public' },
      ...ACTIVE_IDS.map((id) => ({ url: setup.databases.get(id)!.adminUrl, schema: 'public', owner: id })),
    ];
    return { app, places, drop: () => setup.drop() };
  },
};

const MIXED = { rls: ['r0', 'r1', 'r2', 'r3'], schema: ['s0', 's1', 's2'], database: ['d0', 'd1', 'd2'] };

/** One app, three strategies: RLS by default, some tenants on a schema, some on a database of their own. */
const mixed: FuzzSetup = {
  label: 'mixed strategies (rls + schema + database)',
  platform: 'fastify',
  tenants: [...MIXED.rls, ...MIXED.schema, ...MIXED.database],
  // From a database tenant, another tenant's schema does not exist (its database holds only its own):
  // a search_path naming it would only break the tenant's own connection, so it aims at public there.
  schemaOf: (id, from) => (MIXED.schema.includes(id) && !MIXED.database.includes(from) ? `tenant_${id}` : 'public'),
  boot: async () => {
    const db: TestDatabase = await createTestDatabase();
    const admin = serverAdminUrl();
    const databases = new Map<string, TenantDatabase>();
    const drop = async () => {
      await dropTenantDatabases(admin, [...databases.values()]).catch(() => undefined);
      await db.drop();
    };
    try {
      const migrations = (await readMigrationsFolder(FIXTURE_MIGRATIONS_DIR)).filter(
        (m) => m.name === FIXTURE_MIGRATIONS.init,
      );
      const pool = new Pool({ connectionString: db.ownerUrl, max: 2 });
      try {
        const runner = new TenantMigrationRunner({ pool, migrations });
        for (const id of MIXED.schema) await runner.migrate({ schema: `tenant_${id}`, tenantId: id });
      } finally {
        await pool.end();
      }
      for (const id of MIXED.schema) await markOwned(db.ownerUrl, 'schema', `tenant_${id}`, id);
      for (const id of MIXED.database) databases.set(id, await createTenantDatabase(admin, id, id));
      const tenants = [
        ...MIXED.rls.map((id) => ({ id, status: 'active' as const })),
        ...MIXED.schema.map((id) => ({ id, status: 'active' as const, strategy: 'schema' as const })),
        ...MIXED.database.map((id) => ({
          id,
          status: 'active' as const,
          strategy: 'database' as const,
          databaseUrl: databases.get(id)!.appUrl,
        })),
      ];
      const options: Partial<TenancyModuleOptions<PrismaClient>> = {
        strategy: 'rls',
        strategies: ['rls', 'schema', 'database'],
        tenants,
        database: DATABASE_OPTIONS,
      };
      const app = await bootFuzzApp(db.appUrl, options, mixed.platform);
      const places: Place[] = [
        { url: db.adminUrl, schema: 'public', rlsTenants: MIXED.rls },
        ...MIXED.schema.map((id) => ({ url: db.adminUrl, schema: `tenant_${id}`, owner: id })),
        ...MIXED.database.map((id) => ({ url: databases.get(id)!.adminUrl, schema: 'public', owner: id })),
      ];
      return { app, places, drop };
    } catch (error) {
      await drop();
      throw error;
    }
  },
};

export const FUZZ_SETUPS: FuzzSetup[] = [
  rls('transaction', 'express'),
  rls('session', 'fastify'),
  schema,
  database,
  mixed,
];
