import { escapeLiteral } from 'pg';

// Every marker starts with this, so one written by hand for another purpose is never read as ours.
const MARKER_PREFIX = 'nestjs-prisma-tenancy:tenant=';

/** What may own a tenant's objects: a schema (schema strategy), a database and its role (database strategy). */
export type MarkedObject = 'schema' | 'database' | 'role';

/**
 * The ownership marker of a tenant's schema, database or role: the comment
 * provisioning writes when it creates the object. Comments are readable by
 * every role and writable only by the object's owner (or a role with
 * CREATEROLE, for roles), so the app role cannot forge one.
 */
export function ownershipMarker(tenantId: string): string {
  return `${MARKER_PREFIX}${tenantId}`;
}

/** The tenant id a comment marks, or `null` when it is not a marker (or there is no comment). */
export function markedTenant(comment: string | null | undefined): string | null {
  return typeof comment === 'string' && comment.startsWith(MARKER_PREFIX) ? comment.slice(MARKER_PREFIX.length) : null;
}

/** `COMMENT ON <kind> <quoted name> IS '<marker>'`; `name` must already be quoted. */
export function markSql(kind: MarkedObject, quotedName: string, tenantId: string): string {
  return `COMMENT ON ${kind.toUpperCase()} ${quotedName} IS ${escapeLiteral(ownershipMarker(tenantId))}`;
}

/** The marker of a schema (one row, `marker` null when unmarked; no row when the schema does not exist). */
export const SCHEMA_MARKER_SQL =
  "SELECT obj_description(oid, 'pg_namespace') AS marker FROM pg_namespace WHERE nspname = $1";

/** The marker of the database a connection is on. */
export const CURRENT_DATABASE_MARKER_SQL =
  "SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = current_database()";

/** The marker of a database by name (no row when it does not exist). */
export const DATABASE_MARKER_SQL =
  "SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1";

/** The marker of a role by name (no row when it does not exist). */
export const ROLE_MARKER_SQL = "SELECT shobj_description(oid, 'pg_authid') AS marker FROM pg_roles WHERE rolname = $1";

/**
 * Who an object belongs to, read from its marker: `absent` (no such object),
 * `unmarked` (no marker: made by hand or by a release before markers), or the
 * tenant id it is marked for.
 */
export type MarkerState = { state: 'absent' } | { state: 'unmarked' } | { state: 'marked'; tenantId: string };

/** Reads the state from the rows of one of the `*_MARKER_SQL` queries. */
export function markerState(rows: readonly { marker: string | null }[]): MarkerState {
  if (rows.length === 0) return { state: 'absent' };
  const tenantId = markedTenant(rows[0].marker);
  return tenantId === null ? { state: 'unmarked' } : { state: 'marked', tenantId };
}
