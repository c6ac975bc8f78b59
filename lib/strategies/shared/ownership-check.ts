import type { Pool } from 'pg';
import { TenancyError } from '../../errors/tenancy.error';
import { TenantMisconfiguredError } from '../../errors/tenant-misconfigured.error';
import { TenantUnavailableError } from '../../errors/tenant-unavailable.error';
import { CURRENT_DATABASE_MARKER_SQL, markerState, SCHEMA_MARKER_SQL } from './ownership-marker';
import type { OwnershipCheck } from './tenant-view.pool';

/** What a per-tenant client points at: its schema (schema strategy) or the database it connects to (database strategy). */
export type OwnedTarget = { kind: 'schema'; name: string } | { kind: 'database' };

/**
 * The check a tenant's view runs before its first statement: the schema or
 * database must carry the tenant's ownership marker. A name mapping or a
 * registry record that points at another tenant's objects (or at objects no
 * provisioning made) is refused fail-closed with `TenantMisconfiguredError`;
 * a check that could not run is `TenantUnavailableError` (503), tried again
 * on the next statement.
 */
export function ownershipCheck(tenantId: string, target: OwnedTarget): OwnershipCheck {
  const what = target.kind === 'schema' ? `schema "${target.name}"` : 'database';
  return async (source: Pool) => {
    let rows: { marker: string | null }[];
    try {
      const result =
        target.kind === 'schema'
          ? await source.query<{ marker: string | null }>(SCHEMA_MARKER_SQL, [target.name])
          : await source.query<{ marker: string | null }>(CURRENT_DATABASE_MARKER_SQL);
      rows = result.rows;
    } catch (error) {
      if (error instanceof TenancyError) throw error;
      // The body names neither the schema nor the server; the driver's error stays on `cause`, for logs.
      const unavailable = new TenantUnavailableError(
        tenantId,
        `the ownership of its ${target.kind} could not be checked; retry shortly`,
      );
      Object.defineProperty(unavailable, 'cause', { value: error, configurable: true });
      throw unavailable;
    }
    const state = markerState(rows);
    if (state.state === 'marked' && state.tenantId === tenantId) return;
    const why =
      state.state === 'absent'
        ? 'does not exist'
        : state.state === 'unmarked'
          ? "carries no ownership marker (claim it with the provisioner if it is really this tenant's)"
          : 'is marked for another tenant';
    throw new TenantMisconfiguredError(tenantId, `its ${what} ${why}`);
  };
}
