/**
 * The fuzz's vocabulary: the operations it sends (plain JSON, so the same
 * operation runs in-process or over HTTP), what comes back (observations, also
 * JSON), and the oracle of what each tenant has committed.
 */

/** Every operation kind the fuzz draws from. */
export const OP_KINDS = [
  // Reads
  'findUnique',
  'findFirst',
  'findMany',
  'findManyIn',
  'taskFindMany',
  'count',
  'aggregate',
  'groupBy',
  // Writes and nested writes
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'upsert',
  'delete',
  'deleteMany',
  'nestedUpdate',
  'connectTask',
  // Raw and typed SQL, and hostile session changes in raw SQL
  'queryRaw',
  'queryRawUnsafe',
  'executeRaw',
  'executeRawUnsafeMulti',
  'queryRawTyped',
  'hostileSession',
  // Transactions
  'interactiveTx',
  'throwingTx',
  'batchTx',
  'failingBatchTx',
  // Shared model
  'planUpsert',
  'planRead',
  // A client taken in another tenant's context and used in this one's (an object shared between requests)
  'keptClient',
  // A request whose client goes away mid-flight (HTTP only)
  'aborted',
] as const;
export type OpKind = (typeof OP_KINDS)[number];

export interface NewTask {
  id: string;
  title: string;
}
export interface NewProject {
  id: string;
  name: string;
  budget: number;
  tasks: NewTask[];
}

/** A concrete operation: ids already chosen from the oracle, so it replays as sent. */
export interface FuzzOp {
  kind: OpKind;
  /** The tenant the operation runs as. */
  me: string;
  /** Another tenant: the victim of probes that name its ids. */
  other: string;
  id?: string;
  ids?: string[];
  taskId?: string;
  name?: string;
  title?: string;
  budget?: number;
  v?: number;
  flag?: boolean;
  variant?: number;
  /** The other tenant's schema, for hostile `search_path` changes. */
  otherSchema?: string;
  projects?: NewProject[];
  /** For `aborted`: the operation the cut-off request carries, and how the client goes away. */
  inner?: FuzzOp;
  abort?: 'destroy' | 'signal';
}

export interface TaskObs {
  id: string;
  tenantId: string;
  projectId: string;
  title: string;
  done: boolean;
  project?: ProjectObs;
}
export interface ProjectObs {
  id: string;
  tenantId: string;
  name: string;
  budget: number;
  tasks?: TaskObs[];
}
export interface PlanObs {
  id: string;
  name: string;
}

/** What an operation saw: rows, values, or the error it ended in. */
export interface FuzzObs {
  projects?: ProjectObs[];
  tasks?: TaskObs[] | null;
  plans?: PlanObs[];
  values?: (number | string | null)[];
  /** Observations made inside a transaction or after a hostile statement. */
  nested?: FuzzObs[];
  error?: string;
}

export interface TaskRow {
  id: string;
  projectId: string;
  title: string;
  done: boolean;
}
export interface ProjectRow {
  id: string;
  name: string;
  budget: number;
  tasks: Map<string, TaskRow>;
}

/** What one tenant has committed, row by row. */
export class TenantOracle {
  readonly projects = new Map<string, ProjectRow>();
  private next = 0;

  constructor(
    readonly tenant: string,
    private readonly runTag: string,
  ) {}

  /** A fresh id, unique across tenants (RLS tables share one primary key space). */
  newId(kind: 'p' | 'k'): string {
    return `${this.runTag}-${this.tenant}-${kind}${++this.next}`;
  }

  /** Canary content: every label names its writer, so a row in the wrong place names its owner. */
  label(what: string): string {
    return `${this.tenant}:${what}`;
  }

  add(p: NewProject): void {
    this.projects.set(p.id, {
      id: p.id,
      name: p.name,
      budget: p.budget,
      tasks: new Map(p.tasks.map((t) => [t.id, { id: t.id, projectId: p.id, title: t.title, done: false }])),
    });
  }

  tasks(): TaskRow[] {
    return [...this.projects.values()].flatMap((p) => [...p.tasks.values()]);
  }

  findTask(id: string): TaskRow | undefined {
    for (const p of this.projects.values()) if (p.tasks.has(id)) return p.tasks.get(id);
    return undefined;
  }

  clone(): TenantOracle {
    const copy = new TenantOracle(this.tenant, this.runTag);
    copy.next = this.next;
    for (const p of this.projects.values())
      copy.projects.set(p.id, { ...p, tasks: new Map([...p.tasks].map(([k, t]) => [k, { ...t }])) });
    return copy;
  }

  /** The oracle's rows as the observations an exact read should return. */
  expected(withTasks: boolean): ProjectObs[] {
    return [...this.projects.values()].map((p) => projectObs(this.tenant, p, withTasks));
  }
}

export function projectObs(tenant: string, p: ProjectRow, withTasks: boolean): ProjectObs {
  const row: ProjectObs = { id: p.id, tenantId: tenant, name: p.name, budget: p.budget };
  if (withTasks) row.tasks = [...p.tasks.values()].map((t) => taskObs(tenant, t));
  return row;
}

export function taskObs(tenant: string, t: TaskRow): TaskObs {
  return { id: t.id, tenantId: tenant, projectId: t.projectId, title: t.title, done: t.done };
}

/** The shared `Plan` table: every tenant reads and writes the same rows. */
export class PlanOracle {
  /** Id → name, for upserts that completed. */
  readonly committed = new Map<string, string>();
  /** Id → every name ever sent (committed or in flight). */
  readonly sent = new Map<string, Set<string>>();
}
