import type { RlsTestApp } from './rls/rls-app';

/**
 * Runs `count` concurrent operations round-robin over `tenants`, each
 * starting after a random few ms so requests interleave, and asserts every
 * one saw only its own tenant: its own row by id, not another tenant's (the
 * two lookups share a tick, which Prisma batches), only its rows in a list,
 * and its tenant setting in raw SQL. `databaseOf` adds where the raw SQL ran.
 */
export async function expectInterleavedIsolation(
  t: RlsTestApp,
  tenants: readonly string[],
  options: { count?: number; databaseOf?: (tenant: string) => string } = {},
): Promise<void> {
  const { count = 500, databaseOf } = options;
  const ids = new Map<string, string>();
  for (const id of tenants) ids.set(id, (await t.as(id, (p) => p.project.create({ data: { name: `own-${id}` } }))).id);
  const ops = Array.from({ length: count }, (_, i) => {
    const tenant = tenants[i % tenants.length];
    const other = tenants[(i + 3) % tenants.length];
    return t.as(tenant, async (p) => {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      const [own, foreign] = await Promise.all([
        p.project.findUnique({ where: { id: ids.get(tenant)! } }),
        p.project.findUnique({ where: { id: ids.get(other)! } }),
      ]);
      const all = await p.project.findMany({ where: { name: { startsWith: 'own-' } } });
      const [{ s, db }] = await p.$queryRaw<
        { s: string; db: string }[]
      >`SELECT current_setting('app.tenant_id', true) AS s, current_database() AS db`;
      return {
        tenant,
        own: own?.tenantId,
        foreign,
        all: all.map((r) => r.tenantId),
        s,
        db: databaseOf ? db : undefined,
      };
    });
  });
  for (const r of await Promise.all(ops)) {
    expect(r).toEqual({
      tenant: r.tenant,
      own: r.tenant,
      foreign: null,
      all: [r.tenant],
      s: r.tenant,
      db: databaseOf?.(r.tenant),
    });
  }
}
