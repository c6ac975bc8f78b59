import { withClient, type TestDatabase } from '../../support';

/** Names of the projects each tenant owns, read as the superuser (bypassing RLS). */
export async function rowsByTenant(db: TestDatabase, ids: string[], schemas = false): Promise<Map<string, string[]>> {
  return withClient(db.adminUrl, async (c) => {
    const result = new Map<string, string[]>();
    for (const id of ids) {
      const { rows } = schemas
        ? await c.query<{ name: string }>(`SELECT name FROM "tenant_${id}".projects ORDER BY name`)
        : await c.query<{ name: string }>('SELECT name FROM projects WHERE tenant_id = $1 ORDER BY name', [id]);
      result.set(
        id,
        rows.map((r) => r.name),
      );
    }
    return result;
  });
}

export function expectOwn(data: Record<string, unknown>, tenant: string): void {
  expect(data.tenant).toBe(tenant);
  for (const name of data.seen as string[]) expect(name.startsWith(`${tenant}-`)).toBe(true);
}
