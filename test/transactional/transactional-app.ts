import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ClsPluginTransactional,
  InjectTransaction,
  Propagation,
  Transactional,
  TransactionHost,
  type Transaction,
} from '@nestjs-cls/transactional';
import { ClsModule } from 'nestjs-cls';
import { TenancyModule, TenantContext, TenantPrisma, TenantRepository, type TenancyModuleOptions } from '../../lib';
import { TenancyTransactionalAdapter } from '../../lib/transactional';
import { PrismaClient } from '../fixtures/generated/client';
import { createTestDatabase, serverAdminUrl, withClient } from '../support';
import { createDatabaseTenants } from '../strategies/database/database-app';
import { createSchemaTenantsDatabase } from '../strategies/schema/schema-tenants';

export type Adapter = TenancyTransactionalAdapter<PrismaClient>;

/** Writes through the transaction host: joins the transaction in progress. */
@Injectable()
export class ProjectTxRepository {
  constructor(private readonly txHost: TransactionHost<Adapter>) {}

  create(name: string) {
    return this.txHost.tx.project.create({ data: { name } });
  }

  names() {
    return this.txHost.tx.project.findMany({ orderBy: { name: 'asc' } }).then((rows) => rows.map((p) => p.name));
  }
}

/** A plain `TenantRepository`: `this.db` is `TenantPrisma.client`, outside any transaction. */
@Injectable()
export class PlainProjectRepository extends TenantRepository<PrismaClient> {
  create(name: string) {
    return this.db.project.create({ data: { name } });
  }
}

/** The service under test: `@Transactional()` methods on the repositories. */
@Injectable()
export class ProjectService {
  constructor(
    readonly projects: ProjectTxRepository,
    readonly plain: PlainProjectRepository,
    readonly txHost: TransactionHost<Adapter>,
    @InjectTransaction() readonly tx: Transaction<Adapter>,
  ) {}

  @Transactional()
  async createAll(names: string[], then?: () => Promise<unknown>): Promise<string[]> {
    for (const name of names) await this.projects.create(name);
    await then?.();
    return this.projects.names();
  }

  @Transactional(Propagation.RequiresNew)
  async createAllNew(names: string[], then?: () => Promise<unknown>): Promise<string[]> {
    for (const name of names) await this.projects.create(name);
    await then?.();
    return this.projects.names();
  }

  @Transactional(Propagation.Nested)
  async createAllNested(names: string[], then?: () => Promise<unknown>): Promise<string[]> {
    for (const name of names) await this.projects.create(name);
    await then?.();
    return this.projects.names();
  }

  @Transactional<Adapter>({ isolationLevel: 'Serializable' })
  async isolationLevel(): Promise<string> {
    const [row] = await this.txHost.tx.$queryRaw<
      { level: string }[]
    >`SELECT current_setting('transaction_isolation') AS level`;
    return row.level;
  }

  @Transactional<Adapter>({ timeout: 300 })
  async slowWrite(name: string): Promise<void> {
    await this.projects.create(name);
    await this.txHost.tx.$executeRaw`SELECT pg_sleep(1)`;
  }
}

export interface TxTestApp {
  app: INestApplicationContext;
  context: TenantContext;
  prisma: TenantPrisma<PrismaClient>;
  service: ProjectService;
  txHost: TransactionHost<Adapter>;
  close(): Promise<void>;
}

/** Boots TenancyModule with nestjs-cls's transactional plugin and our adapter. */
export async function bootTxApp(options: Partial<TenancyModuleOptions<PrismaClient>>): Promise<TxTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClsModule.forRoot({
        global: true,
        plugins: [
          new ClsPluginTransactional({
            adapter: new TenancyTransactionalAdapter<PrismaClient>(),
            enableTransactionProxy: true,
          }),
        ],
      }),
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl: '',
        createClient: (adapter) => new PrismaClient({ adapter }),
        sharedModels: ['Plan'],
        ...options,
      }),
    ],
    providers: [ProjectTxRepository, PlainProjectRepository, ProjectService],
  }).compile();
  const app = await moduleRef.init();
  return {
    app,
    context: app.get(TenantContext),
    prisma: app.get<TenantPrisma<PrismaClient>>(TenantPrisma),
    service: app.get(ProjectService),
    txHost: app.get<TransactionHost<Adapter>>(TransactionHost),
    close: () => app.close(),
  };
}

export const TX_TENANT_IDS = ['t0', 't1', 't2'];

/** One strategy's databases and how to read a tenant's stored rows as a superuser (past RLS). */
export interface TxSetup {
  label: string;
  /** Creates the databases, boots the app on them. */
  boot(): Promise<{ t: TxTestApp; stored(tenantId: string): Promise<StoredProject[]>; drop(): Promise<void> }>;
}

export interface StoredProject {
  name: string;
  tenant_id: string;
}

const readAs = (url: string, table: string) =>
  withClient(
    url,
    async (c) => (await c.query<StoredProject>(`SELECT name, tenant_id FROM ${table} ORDER BY name`)).rows,
  );

const active = TX_TENANT_IDS.map((id) => ({ id, status: 'active' as const }));

export const TX_SETUPS: TxSetup[] = [
  ...(['transaction', 'session'] as const).map((mode) => ({
    label: `rls, ${mode} mode`,
    boot: async () => {
      const db = await createTestDatabase();
      const t = await bootTxApp({ databaseUrl: db.appUrl, tenants: active, rls: { mode } });
      return {
        t,
        // Every tenant's rows are in one table: pick this tenant's, as a superuser.
        stored: async (id: string) => (await readAs(db.adminUrl, 'projects')).filter((row) => row.tenant_id === id),
        drop: () => db.drop(),
      };
    },
  })),
  {
    label: 'schema',
    boot: async () => {
      const db = await createSchemaTenantsDatabase(TX_TENANT_IDS);
      const t = await bootTxApp({
        databaseUrl: db.appUrl,
        tenants: active,
        strategy: 'schema',
        strategies: ['schema'],
      });
      return { t, stored: (id: string) => readAs(db.adminUrl, `tenant_${id}.projects`), drop: () => db.drop() };
    },
  },
  {
    label: 'database',
    boot: async () => {
      const setup = await createDatabaseTenants(TX_TENANT_IDS, [serverAdminUrl()]);
      const t = await bootTxApp({
        databaseUrl: setup.shared.appUrl,
        tenants: setup.tenants,
        strategy: 'database',
        strategies: ['database'],
        database: { connectTimeoutMs: 20_000 },
      });
      return {
        t,
        stored: (id: string) => readAs(setup.databases.get(id)!.adminUrl, 'projects'),
        drop: () => setup.drop(),
      };
    },
  },
];
