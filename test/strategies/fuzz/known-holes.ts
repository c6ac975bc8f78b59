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

export const KNOWN_HOLES: readonly KnownHole[] = [];

export function knownHoleFor(
  setup: string,
  op: FuzzOp,
  holes: readonly KnownHole[] = KNOWN_HOLES,
): KnownHole | undefined {
  return holes.find((h) => h.setups.includes(setup) && h.kind === op.kind && (h.covers?.(op) ?? true));
}
