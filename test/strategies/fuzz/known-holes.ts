import type { FuzzOp, OpKind } from './fuzz-model';

/**
 * Leaks the fuzz found that are not fixed yet. The main fuzz steers around
 * them (an operation a hole covers runs as a plain `findMany` instead), and
 * each gets an `it.failing` fuzz of its own that must keep finding it: when a
 * fix lands, that test fails, and the entry goes (so the main fuzz covers it).
 */
export interface KnownHole {
  /** A name that says what leaks. */
  name: string;
  /** Labels of the setups it shows on. */
  setups: readonly string[];
  kind: OpKind;
  /** Narrows to some operations of that kind. Default: all of them. */
  covers?: (op: FuzzOp) => boolean;
}

// hostileSession variants (see fuzz-operations.ts): 0, 1 and 3 change app.tenant_id for the session, 4 resets it
// (RESET ALL), 2 and 3 change search_path.
const CHANGES_TENANT_SETTING = new Set([0, 1, 3, 4]);
const SETS_SEARCH_PATH = new Set([2, 3]);
const variant = (op: FuzzOp) => op.variant! % 6;

export const KNOWN_HOLES: readonly KnownHole[] = [
  // RLS session mode remembers which tenant each connection carries and skips the set_config
  // when it matches: raw SQL that changes app.tenant_id (set_config(..., false), SET, RESET ALL)
  // makes that memory wrong, and later statements of the remembered tenant, in this request
  // and in later ones, run as the other tenant (or as none, and see nothing).
  { name: 'RLS_SESSION_MODE_TRUSTS_REMEMBERED_SETTING', setups: ['rls, session mode'], kind: 'hostileSession', covers: (op) => CHANGES_TENANT_SETTING.has(variant(op)) },
  // With RLS and schema tenants in one database, a session-level SET search_path in an RLS
  // tenant's raw SQL stays on the RLS pool's connection, and unqualified raw SQL there (this
  // request's and later ones', any RLS tenant's) reads a schema tenant's tables, which have no RLS.
  {
    name: 'RLS_RAW_SQL_SEARCH_PATH_REACHES_SCHEMA_TENANTS',
    setups: ['mixed strategies (rls + schema + database)'],
    kind: 'hostileSession',
    covers: (op) => SETS_SEARCH_PATH.has(variant(op)) && op.me.startsWith('r'),
  },
];

export function knownHoleFor(setup: string, op: FuzzOp, holes: readonly KnownHole[] = KNOWN_HOLES): KnownHole | undefined {
  return holes.find((h) => h.setups.includes(setup) && h.kind === op.kind && (h.covers?.(op) ?? true));
}
