// Primary-key findFirst: plain Prisma vs Prisma's documented RLS recipe vs
// this package in each RLS mode, in one process against one database. Prints
// each as a ratio to plain Prisma. Run: npm run bench
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../test/fixtures/generated/client';
import { TenancyModule, TenantContext, TenantPrisma } from '../lib';
import { createBenchDatabase } from './support/bench-database';
import { meanMicros, median, printTable } from './support/timing';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TENANT = 'bench';
const ROW = 'bench-row';

type Variant = {
  name: string;
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  query: () => Promise<unknown>;
  close: () => Promise<void>;
};

async function packageVariant(name: string, appUrl: string, mode: 'transaction' | 'session'): Promise<Variant> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot({
        strategy: 'rls',
        databaseUrl: appUrl,
        createClient: (adapter) => new PrismaClient({ adapter }),
        tenants: [{ id: TENANT, status: 'active' }],
        sharedModels: ['Plan'],
        pool: { max: 10 },
        rls: { mode },
      }),
    ],
  })
    .setLogger(false as never)
    .compile();
  const app = await moduleRef.init();
  const ctx = app.get(TenantContext);
  const prisma = app.get<TenantPrisma<PrismaClient>>(TenantPrisma);
  return {
    name,
    run: (fn) => ctx.run(TENANT, fn),
    query: () => prisma.client.project.findFirst({ where: { id: ROW } }),
    close: () => app.close(),
  };
}

async function main() {
  const db = await createBenchDatabase();
  const seed = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.adminUrl }) });
  await seed.$executeRawUnsafe(`INSERT INTO projects (id, tenant_id, name) VALUES ('${ROW}', '${TENANT}', 'x')`);
  await seed.$executeRawUnsafe(
    `INSERT INTO projects (id, tenant_id, name) SELECT 'p' || g, 't' || (g % 100), 'n' FROM generate_series(1, 10000) g`,
  );
  await seed.$executeRawUnsafe('ANALYZE projects');

  // Plain Prisma on the same database, as a role that bypasses RLS: the baseline.
  const plainPool = new Pool({ connectionString: db.adminUrl, max: 10 });
  const plain = new PrismaClient({ adapter: new PrismaPg(plainPool) });
  // Prisma's documented RLS recipe: a batch transaction of set_config and the query.
  const recipePool = new Pool({ connectionString: db.appUrl, max: 10 });
  const recipeBase = new PrismaClient({ adapter: new PrismaPg(recipePool) });
  const recipe = recipeBase.$extends({
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const [, result] = await recipeBase.$transaction([
            recipeBase.$executeRaw`SELECT set_config('app.tenant_id', ${TENANT}, TRUE)`,
            query(args),
          ]);
          return result;
        },
      },
    },
  });

  const variants: Variant[] = [
    {
      name: 'plain Prisma',
      run: (fn) => fn(),
      query: () => plain.project.findFirst({ where: { id: ROW } }),
      close: () => plain.$disconnect(),
    },
    {
      name: "Prisma's RLS recipe",
      run: (fn) => fn(),
      query: () => recipe.project.findFirst({ where: { id: ROW } }),
      close: () => recipeBase.$disconnect(),
    },
    await packageVariant('package, transaction mode (default)', db.appUrl, 'transaction'),
    await packageVariant('package, session mode (fast)', db.appUrl, 'session'),
  ];

  for (const v of variants) {
    const row = await v.run(v.query);
    if (!row) throw new Error(`${v.name} did not find the row: the benchmark would measure nothing`);
  }
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const v of variants) {
      const us = await v.run(() => meanMicros(N, v.query));
      if (round > 0) samples.get(v.name)!.push(us); // round 0 warms up every variant
    }
  }
  const base = median(samples.get('plain Prisma')!);
  console.log(
    `\nPrimary-key findFirst, ${ROUNDS} rounds x ${N} sequential queries, median of round means (Node ${process.version})\n`,
  );
  printTable(
    ['variant', 'µs/query', 'ratio to plain'],
    variants.map((v) => {
      const us = median(samples.get(v.name)!);
      return [v.name, us.toFixed(0), `${(us / base).toFixed(2)}x`];
    }),
  );
  console.log('\nBars: transaction mode <= 1.60x, session mode <= 1.15x.');
  for (const v of variants) await v.close();
  await seed.$disconnect();
  await plainPool.end();
  await recipePool.end();
  await db.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
