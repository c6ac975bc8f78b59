/** A value written into one of the owner tenant's canary rows, recognisable in a response. */
export interface Canary {
  /** As it reads in a JSON body: `canary-1a2b3c4d-7`, a uuid, a large integer, an ISO timestamp. */
  value: string;
  /** Prisma model, `Project`. */
  model: string;
  /** Prisma field, `name`. */
  field: string;
}

/** One canary row, written as the owner tenant. */
export interface CanaryRow {
  model: string;
  /** The client's property, `project`. */
  delegate: string;
  /** The row as created (every scalar field). */
  row: Record<string, unknown>;
  /** Primary key filter, to find the row again; `undefined` when the table has none. */
  where?: Record<string, unknown>;
  canaries: Canary[];
}

/** The canary rows of one run. */
export interface CanarySet {
  /** Tenant that owns the rows. */
  tenantId: string;
  /** Common to every string canary of the run: `canary-1a2b3c4d`. */
  marker: string;
  /** In write order: parents before children. */
  rows: CanaryRow[];
  canaries: Canary[];
  /** Tenant-scoped models with no canary row, and why. */
  skipped: { model: string; reason: string }[];
}
