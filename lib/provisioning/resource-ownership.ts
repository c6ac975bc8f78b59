import { quoteIdent } from '../registry/registry.constants';
import {
  DATABASE_MARKER_SQL,
  type MarkedObject,
  markerState,
  type MarkerState,
  markSql,
  ROLE_MARKER_SQL,
  SCHEMA_MARKER_SQL,
} from '../strategies/shared/ownership-marker';
import { TenantResourceNotOwnedError } from './tenant-resource-not-owned.error';

/** Anything that runs a query: a pg client or pool. */
export interface Queryable {
  query<R extends object = any>(sql: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

const MARKER_SQL: Record<MarkedObject, string> = {
  schema: SCHEMA_MARKER_SQL,
  database: DATABASE_MARKER_SQL,
  role: ROLE_MARKER_SQL,
};

/** Whether the object exists and whose marker it carries. */
export async function readMarker(client: Queryable, object: MarkedObject, name: string): Promise<MarkerState> {
  const { rows } = await client.query<{ marker: string | null }>(MARKER_SQL[object], [name]);
  return markerState(rows);
}

/**
 * Refuses an object that exists but is not this tenant's: provisioning never
 * adopts (alters, grants on, drops) what it did not create for the tenant.
 * Returns whether the object exists (and is the tenant's).
 */
export function expectOwnedOrAbsent(state: MarkerState, tenantId: string, object: MarkedObject, name: string): boolean {
  if (state.state === 'absent') return false;
  if (state.state === 'marked' && state.tenantId === tenantId) return true;
  throw new TenantResourceNotOwnedError(
    tenantId,
    object,
    name,
    state.state === 'unmarked' ? 'unmarked' : 'another-tenant',
  );
}

/** Writes the tenant's marker on an object it owns (by name, quoted here). */
export async function mark(client: Queryable, object: MarkedObject, name: string, tenantId: string): Promise<void> {
  await client.query(markSql(object, quoteIdent(name), tenantId));
}
