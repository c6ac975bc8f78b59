import { TenancyConfigError } from '../../errors/tenancy-config.error';

/**
 * Prisma merges `findUnique` calls made in the same tick into one query, run
 * in the async context of whichever call came first. With one client shared by
 * all tenants, that would run tenant B's lookup with tenant A's setting. This
 * limits merging to calls inside one transaction (which always belong to one
 * tenant), so every other query runs in its caller's own context.
 *
 * It touches a Prisma internal (`_requestHandler.dataloader`); if a Prisma
 * release moves it, the app refuses to start instead of running unsafely, and
 * a test of concurrent cross-tenant `findUnique` calls guards the behaviour.
 */
export function confineQueryBatching(client: unknown): void {
  const loader = (client as { _requestHandler?: { dataloader?: { options?: { batchBy?: unknown } } } })?._requestHandler
    ?.dataloader;
  const batchBy = loader?.options?.batchBy;
  if (typeof batchBy !== 'function') {
    throw new TenancyConfigError(
      'createClient',
      'the client returned is not a Prisma 7 client this version of nestjs-prisma-tenancy can isolate (its query batching was not found). Return `new PrismaClient({ adapter })` from createClient.',
    );
  }
  loader!.options!.batchBy = (request: { transaction?: unknown }) =>
    request.transaction ? batchBy(request) : undefined;
}
