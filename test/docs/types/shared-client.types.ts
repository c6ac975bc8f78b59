// Type-level test, compiled by test/docs/snippets.spec.ts (and `npm run typecheck`):
// every `@ts-expect-error` below must meet an error, or the compile fails.
import type { SharedModelKey, SharedPrismaClient, TenantPrisma } from '../../../lib/index';
import type { PrismaClient } from '../../fixtures/generated/client';

declare const prisma: TenantPrisma<PrismaClient>;

// By default, `shared` offers the models without a tenantId field: Plan.
export const plans = prisma.shared.plan.findMany({ orderBy: { price: 'asc' } });
export const plan = prisma.shared.plan.upsert({
  where: { id: 'free' },
  create: { id: 'free', name: 'Free' },
  update: {},
});
// @ts-expect-error Project is tenant-scoped: not on `shared`.
void prisma.shared.project;
// @ts-expect-error Task is tenant-scoped: not on `shared`.
void prisma.shared.task.count();
// @ts-expect-error raw SQL cannot be confined to shared tables.
void prisma.shared.$queryRaw`SELECT 1`;
// @ts-expect-error raw SQL, unsafe form.
void prisma.shared.$executeRawUnsafe('DELETE FROM projects');
// @ts-expect-error typed SQL is raw SQL too.
void prisma.shared.$queryRawTyped;
// @ts-expect-error a transaction's client would offer every model.
void prisma.shared.$transaction;
// @ts-expect-error an extended client would offer every model.
void prisma.shared.$extends;

// `client` stays the whole client.
export const projects = () => prisma.client.project.findMany();
export const raw = () => prisma.client.$queryRaw`SELECT 1`;

// Named explicitly, as in `sharedModels` or as the client's property.
declare const named: TenantPrisma<PrismaClient, 'Plan'>;
export const namedPlans = named.shared.plan.count();
// @ts-expect-error not named.
void named.shared.project;
declare const lower: TenantPrisma<PrismaClient, 'plan'>;
export const lowerPlans = lower.shared.plan.count();

// Naming none offers nothing.
declare const none: TenantPrisma<PrismaClient, never>;
// @ts-expect-error no shared model named.
void none.shared.plan;

// An app whose tenant field is not `tenantId` names its own.
type OrgShared = SharedModelKey<PrismaClient, 'orgId'>;
export const everyModel: OrgShared[] = ['plan', 'project', 'task'];
export const onlyPlan: SharedModelKey<PrismaClient> = 'plan';
// @ts-expect-error Project has a tenantId field.
export const notProject: SharedModelKey<PrismaClient> = 'project';

// An extended client: its models are told apart the same way.
declare const base: PrismaClient;
export const extended = base.$extends({ query: { $allModels: { findMany: ({ args, query }) => query(args) } } });
declare const extendedPrisma: TenantPrisma<typeof extended>;
export const extendedPlans = extendedPrisma.shared.plan.findMany();
// @ts-expect-error tenant-scoped on the extended client too.
void extendedPrisma.shared.project;

// Without a client type, `shared` offers nothing (and `client` is unknown).
declare const untyped: TenantPrisma;
// @ts-expect-error no client type, no models.
void untyped.shared.plan;
export type Untyped = SharedPrismaClient<unknown>;
