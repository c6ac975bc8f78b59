import type { PrismaClient } from '../../fixtures/generated/client';
import type { Tenant, TenancyModuleOptions } from '../../../lib';
import type { DatabaseTenancyStrategy } from '../../../lib/strategies/database/database.strategy';
import type { TenancyStrategyRouter } from '../../../lib/strategies/tenancy-strategy.router';
import { TENANCY_STRATEGY } from '../../../lib/tenancy.internal-constants';
import { createTestDatabase, FIXTURE_MIGRATIONS, type TestDatabase } from '../../support';
import { bootRlsApp, type RlsTestApp } from '../rls/rls-app';
import { createTenantDatabase, dropTenantDatabases, type TenantDatabase } from './tenant-servers';

/** The app on the database strategy, with the strategy itself for its pool and budget. */
export interface DatabaseTestApp extends RlsTestApp {
  strategy: DatabaseTenancyStrategy<PrismaClient>;
}

/** Boots the package on the database strategy; the shared models live in `sharedUrl`. */
export async function bootDatabaseApp(
  sharedUrl: string,
  tenants: Tenant[],
  overrides: Partial<TenancyModuleOptions<PrismaClient>> = {},
): Promise<DatabaseTestApp> {
  const t = await bootRlsApp(sharedUrl, { strategy: 'database', strategies: ['database'], tenants, ...overrides });
  const router = t.app.get<TenancyStrategyRouter<PrismaClient>>(TENANCY_STRATEGY);
  return { ...t, strategy: router.get('database') as DatabaseTenancyStrategy<PrismaClient> };
}

/** Tenant databases spread over servers (round robin), plus the shared database on the harness server. */
export interface DatabaseTenants {
  shared: TestDatabase;
  /** Tenant id → its database. */
  databases: Map<string, TenantDatabase & { serverAdminUrl: string }>;
  /** Active tenants whose `databaseUrl` is their database's app URL. */
  tenants: Tenant[];
  drop(): Promise<void>;
}

export async function createDatabaseTenants(
  ids: readonly string[],
  serverAdminUrls: readonly string[],
): Promise<DatabaseTenants> {
  const shared = await createTestDatabase({ migrations: [FIXTURE_MIGRATIONS.init] });
  const databases = new Map<string, TenantDatabase & { serverAdminUrl: string }>();
  try {
    for (const [i, id] of ids.entries()) {
      const serverAdminUrl = serverAdminUrls[i % serverAdminUrls.length];
      databases.set(id, {
        ...(await createTenantDatabase(serverAdminUrl, id.replace(/[^a-z0-9]/gi, ''), id)),
        serverAdminUrl,
      });
    }
  } catch (error) {
    await dropAll(shared, databases);
    throw error;
  }
  return {
    shared,
    databases,
    tenants: ids.map((id) => ({ id, status: 'active' as const, databaseUrl: databases.get(id)!.appUrl })),
    drop: () => dropAll(shared, databases),
  };
}

async function dropAll(
  shared: TestDatabase,
  databases: Map<string, TenantDatabase & { serverAdminUrl: string }>,
): Promise<void> {
  const byServer = new Map<string, TenantDatabase[]>();
  for (const db of databases.values())
    byServer.set(db.serverAdminUrl, [...(byServer.get(db.serverAdminUrl) ?? []), db]);
  // A stopped server's databases go with its data folder.
  await Promise.all([...byServer].map(([url, dbs]) => dropTenantDatabases(url, dbs).catch(() => undefined)));
  await shared.drop();
}
