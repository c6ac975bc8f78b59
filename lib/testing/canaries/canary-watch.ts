import type { CanaryRow, CanarySet } from './canary.interface';
import { delegateOf, errorSummary, type CanaryTarget } from './canary-seeder';

/** The watched fields of each canary row as they are now; `null` for a row gone. */
export type CanarySnapshot = Map<CanaryRow, string | null>;

/** A canary row another tenant's request deleted or changed. */
export interface CanaryChange {
  model: string;
  change: 'deleted' | 'changed';
  /** Fields whose value changed. */
  fields: string[];
}

const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

/** Reads every canary row back as its owner; only the fields that hold canaries are compared. */
export async function snapshotCanaries(target: CanaryTarget, set: CanarySet): Promise<CanarySnapshot> {
  const snapshot: CanarySnapshot = new Map();
  await target.run(async (client) => {
    for (const row of set.rows) {
      if (!row.where) continue;
      const [found] = await delegateOf(client, row).findMany({ where: row.where });
      snapshot.set(row, found ? json(watched(row, found)) : null);
    }
  });
  return snapshot;
}

/** What differs between two snapshots. */
export function diffSnapshots(before: CanarySnapshot, after: CanarySnapshot): CanaryChange[] {
  const changes: CanaryChange[] = [];
  for (const [row, was] of before) {
    const now = after.get(row) ?? null;
    if (was === null || now === was) continue;
    if (now === null) {
      changes.push({ model: row.model, change: 'deleted', fields: [] });
      continue;
    }
    const [a, b] = [JSON.parse(was) as Record<string, unknown>, JSON.parse(now) as Record<string, unknown>];
    changes.push({
      model: row.model,
      change: 'changed',
      fields: Object.keys(a).filter((k) => json(a[k]) !== json(b[k])),
    });
  }
  return changes;
}

/** Deletes the canary rows, children first; returns what could not be deleted. */
export async function removeCanaries(target: CanaryTarget, set: CanarySet): Promise<string[]> {
  const failures: string[] = [];
  await target.run(async (client) => {
    for (const row of [...set.rows].reverse()) {
      if (!row.where) continue;
      await delegateOf(client, row)
        .deleteMany({ where: row.where })
        .catch((error: unknown) => failures.push(`${row.model}: ${errorSummary(error)}`));
    }
  });
  return failures;
}

function watched(row: CanaryRow, found: Record<string, unknown>): Record<string, unknown> {
  const fields = new Set([...Object.keys(row.where ?? {}), ...row.canaries.map((c) => c.field)]);
  return Object.fromEntries([...fields].map((f) => [f, found[f]]));
}
