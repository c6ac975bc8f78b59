import type { FuzzObs, FuzzOp, NewProject, OpKind, PlanOracle, ProjectObs, TaskObs } from './fuzz-model';
import { projectObs, taskObs, TenantOracle } from './fuzz-model';

/** The random choices of one step; `plan` turns them into a concrete operation against the oracle. */
export interface Dice {
  a: number;
  b: number;
  n: number;
  v: number;
  flag: boolean;
  flag2: boolean;
}

export interface Step {
  tenant: number;
  kind: OpKind;
  http: boolean;
  d: Dice;
}

export interface FuzzStats {
  ops: number;
  http: number;
  aborted: number;
  /** Project, task and plan rows compared with the oracle (in results and in the final state). */
  rowsChecked: number;
  crossed: number;
  /** Per operation kind: how many ran, and how many ended in an error (expected ones included). */
  byKind: Record<string, { ran: number; errors: number }>;
}

/** The state one fuzz run checks against: every tenant's oracle and the shared plans. */
export class FuzzWorld {
  readonly oracles = new Map<string, TenantOracle>();
  /** Row id → the tenant that created it first, to name the owner of a crossed row. */
  readonly owners = new Map<string, string>();

  constructor(
    readonly tenants: readonly string[],
    readonly runTag: string,
    readonly plans: PlanOracle,
    readonly schemaOf: (tenant: string, from: string) => string,
    readonly stats: FuzzStats,
  ) {
    for (const t of tenants) this.oracles.set(t, new TenantOracle(t, runTag));
  }
}

/** A failed check: `CROSSED` when a row reached the wrong tenant, `MISMATCH` when a result disagrees with the oracle. */
export class FuzzFailure extends Error {
  constructor(kind: 'CROSSED' | 'MISMATCH', reason: string, op: FuzzOp, obs: FuzzObs) {
    super(`${kind}: ${reason}\n  operation: ${clip(JSON.stringify(op))}\n  observed: ${clip(JSON.stringify(obs))}`);
  }
}

function clip(s: string): string {
  return s.length > 1500 ? `${s.slice(0, 1500)}…` : s;
}

/** A concrete operation and the check of what it returns, which also commits its effect to the oracle. */
export interface PlannedOp {
  op: FuzzOp;
  check(obs: FuzzObs): void;
}

const ABORTED_INNER: OpKind[] = ['create', 'interactiveTx', 'updateMany', 'batchTx'];

export function plan(step: Step, world: FuzzWorld): PlannedOp {
  const tenants = world.tenants;
  const me = tenants[step.tenant % tenants.length];
  const other = tenants[(step.tenant + 1 + (step.d.b % (tenants.length - 1))) % tenants.length];
  if (step.kind === 'aborted') {
    const inner = plan({ ...step, kind: ABORTED_INNER[step.d.n % ABORTED_INNER.length] }, world);
    return {
      op: { kind: 'aborted', me, other, inner: inner.op, abort: step.d.flag2 ? 'signal' : 'destroy' },
      check: inner.check,
    };
  }
  const op: FuzzOp = { kind: step.kind, me, other };
  const planned = planKind(op, step.d, world);
  return {
    op,
    check(obs) {
      world.stats.ops++;
      const kind = (world.stats.byKind[op.kind] ??= { ran: 0, errors: 0 });
      kind.ran++;
      if (obs.error !== undefined) kind.errors++;
      assertOwnRows(obs, op, world, created(op));
      planned(obs);
    },
  };
}

/** Ids this operation itself creates: not yet in the oracle while its result is checked. */
function created(op: FuzzOp): Set<string> {
  const ids = new Set<string>();
  for (const p of op.projects ?? []) {
    ids.add(p.id);
    for (const t of p.tasks) ids.add(t.id);
  }
  if (op.kind === 'upsert' && op.id) ids.add(op.id);
  if (op.kind === 'connectTask' && op.taskId) ids.add(op.taskId);
  return ids;
}

/**
 * The isolation check every result goes through: each project or task row
 * must carry the reader's tenant and the reader's canary label, and must not
 * be a row another tenant created (unless the reader has its own row of that id).
 */
function assertOwnRows(obs: FuzzObs, op: FuzzOp, world: FuzzWorld, fresh: Set<string>): void {
  const mine = world.oracles.get(op.me)!;
  const visit = (row: ProjectObs | TaskObs, label: string) => {
    world.stats.rowsChecked++;
    const owner = world.owners.get(row.id);
    const known = mine.projects.has(row.id) || mine.findTask(row.id) !== undefined || fresh.has(row.id);
    if (
      row.tenantId !== op.me ||
      !label.startsWith(`${op.me}:`) ||
      (!known && owner !== undefined && owner !== op.me)
    ) {
      world.stats.crossed++;
      throw new FuzzFailure(
        'CROSSED',
        `tenant ${op.me} saw row ${row.id} (tenant ${row.tenantId}, label '${label}', created by ${owner ?? 'nobody known'})`,
        op,
        obs,
      );
    }
  };
  const walk = (o: FuzzObs) => {
    for (const p of o.projects ?? []) {
      visit(p, p.name);
      for (const t of p.tasks ?? []) visit(t, t.title);
    }
    for (const t of o.tasks ?? []) {
      visit(t, t.title);
      if (t.project) visit(t.project, t.project.name);
    }
    for (const n of o.nested ?? []) walk(n);
  };
  walk(obs);
}

function sortRows<T extends { id: string; tasks?: TaskObs[] }>(rows: T[]): T[] {
  return [...rows]
    .sort((x, y) => (x.id < y.id ? -1 : 1))
    .map((r) => (r.tasks ? { ...r, tasks: sortRows(r.tasks) } : r));
}

function same(actual: unknown, expected: unknown, what: string, op: FuzzOp, obs: FuzzObs): void {
  const norm = (x: unknown) =>
    JSON.stringify(
      Array.isArray(x) && x.every((r) => typeof r === 'object' && r && 'id' in r) ? sortRows(x as ProjectObs[]) : x,
    );
  if (norm(actual) !== norm(expected))
    throw new FuzzFailure('MISMATCH', `${what}: expected ${clip(norm(expected))}, got ${clip(norm(actual))}`, op, obs);
}

function expectError(obs: FuzzObs, what: string, op: FuzzOp): void {
  if (obs.error === undefined) throw new FuzzFailure('MISMATCH', `${what}: expected an error`, op, obs);
}

function noError(obs: FuzzObs, op: FuzzOp): void {
  if (obs.error !== undefined) throw new FuzzFailure('MISMATCH', `unexpected error`, op, obs);
}

/** Fills `op` from the dice and the oracle; returns the check of its result. */
function planKind(op: FuzzOp, d: Dice, world: FuzzWorld): (obs: FuzzObs) => void {
  const me = world.oracles.get(op.me)!;
  const them = world.oracles.get(op.other)!;
  const own = [...me.projects.keys()];
  const theirs = [...them.projects.keys()];
  const pickOwn = () => (own.length ? own[d.a % own.length] : me.newId('p'));
  const pickTheirs = () => (theirs.length ? theirs[d.b % theirs.length] : them.newId('p'));
  const target = () => (d.flag2 ? pickTheirs() : pickOwn());
  const newProject = (tasks: number): NewProject => {
    const p = {
      id: me.newId('p'),
      name: me.label(`p${d.v}`),
      budget: (d.v * 37 + d.a) % 1000,
      tasks: Array.from({ length: tasks }, () => ({ id: me.newId('k'), title: me.label('task') })),
    };
    world.owners.set(p.id, op.me);
    for (const t of p.tasks) world.owners.set(t.id, op.me);
    return p;
  };
  const check = (fn: (obs: FuzzObs) => void) => fn;
  const exactAll = (obs: FuzzObs, withTasks: boolean, rows = obs.projects, what = 'rows') =>
    same(rows, me.expected(withTasks), what, op, obs);
  switch (op.kind) {
    case 'findUnique': {
      op.id = target();
      op.flag = d.flag;
      op.variant = d.n % 2;
      return check((obs) => {
        const row = me.projects.get(op.id!);
        if (!row && !op.flag && op.variant === 1) return expectError(obs, 'findUniqueOrThrow of a row not its own', op);
        noError(obs, op);
        if (op.flag) same(obs.tasks, row ? projectObs(op.me, row, true).tasks : null, 'fluent tasks', op, obs);
        else same(obs.projects, row ? [projectObs(op.me, row, true)] : [], 'findUnique', op, obs);
      });
    }
    case 'findFirst':
      op.v = (d.v * 113) % 1000;
      op.flag = d.flag;
      return check((obs) => {
        const candidates = [...me.projects.values()].filter((p) => p.budget >= op.v!);
        if (!candidates.length && op.flag) return expectError(obs, 'findFirstOrThrow with no row of its own', op);
        noError(obs, op);
        if (!candidates.length) return same(obs.projects, [], 'findFirst', op, obs);
        const max = Math.max(...candidates.map((p) => p.budget));
        const got = obs.projects?.[0];
        const row = got && me.projects.get(got.id);
        same(
          obs.projects,
          row && row.budget === max ? [projectObs(op.me, row, true)] : ['a row of budget', max],
          'findFirst',
          op,
          obs,
        );
      });
    case 'findMany':
      return check((obs) => (noError(obs, op), exactAll(obs, true)));
    case 'findManyIn':
      op.ids = [pickOwn(), pickTheirs(), me.newId('p'), ...own.slice(0, d.n)];
      return check((obs) => {
        noError(obs, op);
        same(
          obs.projects,
          me.expected(false).filter((p) => op.ids!.includes(p.id)),
          'findMany in',
          op,
          obs,
        );
      });
    case 'taskFindMany':
      return check((obs) => {
        noError(obs, op);
        const expected = me
          .tasks()
          .map((t) => ({ ...taskObs(op.me, t), project: projectObs(op.me, me.projects.get(t.projectId)!, false) }));
        same(obs.tasks, expected, 'tasks with project', op, obs);
      });
    case 'count':
      op.v = (d.v * 113) % 1000;
      return check((obs) => {
        noError(obs, op);
        same(
          obs.values,
          [me.projects.size, me.tasks().length, [...me.projects.values()].filter((p) => p.budget >= op.v!).length],
          'counts',
          op,
          obs,
        );
      });
    case 'aggregate':
      return check((obs) => {
        noError(obs, op);
        const budgets = [...me.projects.values()].map((p) => p.budget);
        same(
          obs.values,
          [
            budgets.length ? budgets.reduce((x, y) => x + y, 0) : null,
            budgets.length,
            budgets.length ? Math.max(...budgets) : null,
          ],
          'aggregate',
          op,
          obs,
        );
      });
    case 'groupBy':
      return check((obs) => {
        noError(obs, op);
        const tasks = me.tasks();
        same(
          obs.values,
          [tasks.filter((t) => !t.done).length, tasks.filter((t) => t.done).length],
          'groupBy done',
          op,
          obs,
        );
      });
    case 'create': {
      op.projects = [newProject(d.n)];
      const ownTasks = me.tasks();
      const theirTasks = them.tasks();
      if (d.flag && d.flag2 && theirTasks.length) op.taskId = theirTasks[d.b % theirTasks.length].id;
      else if (d.flag && ownTasks.length) op.taskId = ownTasks[d.a % ownTasks.length].id;
      return check((obs) => {
        const moving = op.taskId === undefined ? undefined : me.findTask(op.taskId);
        if (op.taskId !== undefined && !moving)
          return expectError(obs, 'nested create connecting a task not its own', op);
        noError(obs, op);
        me.add(op.projects![0]);
        if (moving) {
          me.projects.get(moving.projectId)!.tasks.delete(moving.id);
          me.projects.get(op.projects![0].id)!.tasks.set(moving.id, { ...moving, projectId: op.projects![0].id });
        }
        same(obs.projects, [projectObs(op.me, me.projects.get(op.projects![0].id)!, true)], 'created', op, obs);
      });
    }
    case 'createMany':
    case 'createManyAndReturn':
      op.projects = Array.from({ length: 1 + (d.n % 3) }, () => newProject(0));
      return check((obs) => {
        noError(obs, op);
        for (const p of op.projects!) me.add(p);
        if (op.kind === 'createMany') same(obs.values, [op.projects!.length], 'createMany count', op, obs);
        else
          same(
            obs.projects,
            op.projects!.map((p) => projectObs(op.me, me.projects.get(p.id)!, false)),
            'createManyAndReturn',
            op,
            obs,
          );
      });
    case 'update':
      op.id = target();
      op.name = me.label(d.flag2 ? 'pwned' : `u${d.v}`);
      op.budget = d.v;
      return check((obs) => {
        const row = me.projects.get(op.id!);
        if (!row) return expectError(obs, 'update of a row not its own', op);
        noError(obs, op);
        Object.assign(row, { name: op.name, budget: op.budget });
        same(obs.projects, [projectObs(op.me, row, true)], 'updated', op, obs);
      });
    case 'updateMany':
      op.flag = d.flag;
      op.v = d.v;
      op.name = me.label('bulk');
      return check((obs) => {
        noError(obs, op);
        const hit = [...me.projects.values()].filter((p) => op.flag || p.budget >= 500);
        same(obs.values, [hit.length], 'updateMany count', op, obs);
        for (const p of hit)
          if (op.flag) p.budget += op.v!;
          else p.name = op.name!;
      });
    case 'upsert': {
      const existing = own.length > 0 && d.flag && !d.flag2;
      op.id = d.flag2 ? pickTheirs() : existing ? pickOwn() : me.newId('p');
      op.name = me.label(`up${d.v}`);
      op.budget = d.v;
      // Whether another tenant holds the id: its creator may have deleted it since, and another tenant
      // created it again. Asked when planned and when checked: the other lanes run meanwhile, so the
      // holder may change while the upsert runs (deleted after the insert collided with it, or taken).
      // Every other tenant is asked, not the id's first owner: with mixed strategies several tenants
      // hold one id at once (each schema or database is a key space of its own, the RLS tenants share
      // one), so the first owner deleting it says nothing of an RLS tenant that upserted it meanwhile.
      const heldByAnother = () => {
        for (const [tenant, oracle] of world.oracles) if (tenant !== op.me && oracle.projects.has(op.id!)) return true;
        return false;
      };
      const foreignWhenPlanned = heldByAnother();
      return check((obs) => {
        const row = me.projects.get(op.id!);
        if (row) {
          noError(obs, op);
          Object.assign(row, { name: op.name, budget: op.budget });
          return same(obs.projects, [projectObs(op.me, row, true)], 'upsert update', op, obs);
        }
        const held = heldByAnother();
        const foreign = foreignWhenPlanned || held;
        // Another tenant's id: refused, or nothing (RLS, one key space), or a row of the reader's own (a schema or database of its own).
        if (foreign && (obs.error !== undefined || !obs.projects?.length)) return;
        noError(obs, op);
        const createdRow = { id: op.id!, name: op.name!, budget: op.budget!, tasks: [] };
        me.add(createdRow);
        if (!held) world.owners.set(op.id!, op.me);
        same(obs.projects, [projectObs(op.me, me.projects.get(op.id!)!, true)], 'upsert create', op, obs);
      });
    }
    case 'delete':
      op.id = target();
      return check((obs) => {
        const row = me.projects.get(op.id!);
        if (!row) return expectError(obs, 'delete of a row not its own', op);
        noError(obs, op);
        same(obs.projects, [projectObs(op.me, row, false)], 'deleted', op, obs);
        me.projects.delete(op.id!);
      });
    case 'deleteMany':
      op.ids = [pickOwn(), pickTheirs(), ...(d.flag ? theirs.slice(0, 3) : own.slice(0, d.n))];
      return check((obs) => {
        noError(obs, op);
        const hit = op.ids!.filter((id, i) => me.projects.has(id) && op.ids!.indexOf(id) === i);
        same(obs.values, [hit.length], 'deleteMany count', op, obs);
        for (const id of hit) me.projects.delete(id);
      });
    case 'nestedUpdate': {
      op.id = pickOwn();
      const movable = me.tasks().filter((t) => t.projectId !== op.id);
      const theirTasks = them.tasks();
      if (d.flag2 && theirTasks.length) op.taskId = theirTasks[d.b % theirTasks.length].id;
      else if (d.flag && movable.length) op.taskId = movable[d.a % movable.length].id;
      op.projects = [newProject(d.n % 3)];
      return check((obs) => {
        const row = me.projects.get(op.id!);
        const moving = op.taskId === undefined ? undefined : me.findTask(op.taskId);
        if (!row || (op.taskId !== undefined && !moving))
          return expectError(obs, 'nested write touching rows not its own', op);
        noError(obs, op);
        for (const t of op.projects![0].tasks)
          row.tasks.set(t.id, { id: t.id, projectId: row.id, title: t.title, done: false });
        if (moving) {
          me.projects.get(moving.projectId)!.tasks.delete(moving.id);
          row.tasks.set(moving.id, { ...moving, projectId: row.id });
        }
        same(obs.projects, [projectObs(op.me, row, true)], 'nested update', op, obs);
      });
    }
    case 'connectTask':
      op.id = target();
      op.taskId = me.newId('k');
      op.title = me.label('connected');
      world.owners.set(op.taskId, op.me);
      return check((obs) => {
        const row = me.projects.get(op.id!);
        if (!row) return expectError(obs, 'connect to a project not its own', op);
        noError(obs, op);
        row.tasks.set(op.taskId!, { id: op.taskId!, projectId: row.id, title: op.title!, done: false });
        same(obs.tasks, [taskObs(op.me, row.tasks.get(op.taskId!)!)], 'connected task', op, obs);
      });
    case 'queryRaw':
      return check((obs) => (noError(obs, op), exactAll(obs, false)));
    case 'queryRawUnsafe':
      op.id = target();
      return check((obs) => {
        noError(obs, op);
        const row = me.projects.get(op.id!);
        same(
          obs.tasks,
          row ? [...row.tasks.values()].map((t) => taskObs(op.me, t)) : [],
          'raw tasks of a project',
          op,
          obs,
        );
      });
    case 'executeRaw':
      op.v = d.v;
      return check((obs) => {
        noError(obs, op);
        same(obs.values, [me.projects.size], 'raw update count', op, obs);
        for (const p of me.projects.values()) p.budget += op.v!;
      });
    case 'executeRawUnsafeMulti':
      op.v = d.v;
      return check((obs) => {
        noError(obs, op);
        for (const p of me.projects.values()) p.budget += op.v!;
        for (const t of me.tasks()) t.done = !t.done;
      });
    case 'queryRawTyped':
      op.v = d.flag ? 0 : (d.v * 113) % 1000;
      return check((obs) => {
        noError(obs, op);
        same(
          obs.projects,
          me.expected(false).filter((p) => p.budget >= op.v!),
          'typed SQL',
          op,
          obs,
        );
      });
    case 'hostileSession':
      op.variant = d.a;
      op.otherSchema = world.schemaOf(op.other, op.me);
      return check((obs) => {
        noError(obs, op);
        exactAll(obs, false, obs.nested?.[0]?.projects, 'raw read after a hostile statement');
        exactAll(obs, true, obs.nested?.[1]?.projects, 'read after a hostile statement');
      });
    case 'interactiveTx': {
      op.projects = [newProject(d.n % 3)];
      if (d.flag && own.length) op.id = pickOwn();
      op.v = d.v;
      return check((obs) => {
        noError(obs, op);
        const next = me.clone();
        next.add(op.projects![0]);
        if (op.id) next.projects.get(op.id)!.budget += op.v!;
        same(obs.projects, next.expected(true), 'reads inside the transaction', op, obs);
        same(obs.values, [next.projects.size], 'raw count inside the transaction', op, obs);
        commit(me, next);
      });
    }
    case 'throwingTx':
      op.projects = [newProject(d.n % 3)];
      op.flag = d.flag;
      return check((obs) => {
        if (!obs.error?.includes('fuzz-rollback'))
          throw new FuzzFailure('MISMATCH', 'expected the transaction to end in its own error', op, obs);
      });
    case 'batchTx':
      op.projects = [newProject(0)];
      op.v = d.v;
      return check((obs) => {
        noError(obs, op);
        me.add(op.projects![0]);
        for (const p of me.projects.values()) p.budget += op.v!;
        same(obs.values, [me.projects.size], 'count in a batch', op, obs);
        exactAll(obs, false, obs.projects, 'raw read in a batch');
      });
    case 'failingBatchTx':
      op.projects = [newProject(0), newProject(0)];
      return check((obs) => expectError(obs, 'a batch with a duplicate key', op));
    case 'planUpsert': {
      op.id = `plan-${world.runTag}-${op.me}-${d.a % 3}`;
      op.name = me.label(`plan${d.v}`);
      const sent = world.plans.sent.get(op.id) ?? new Set<string>();
      world.plans.sent.set(op.id, sent.add(op.name));
      return check((obs) => {
        noError(obs, op);
        world.stats.rowsChecked++;
        same(obs.plans, [{ id: op.id, name: op.name }], 'plan upsert', op, obs);
        world.plans.committed.set(op.id!, op.name!);
      });
    }
    case 'planRead': {
      const before = new Map(world.plans.committed);
      return check((obs) => {
        noError(obs, op);
        const seen = new Map((obs.plans ?? []).map((p) => [p.id, p.name]));
        for (const [id, name] of seen) {
          world.stats.rowsChecked++;
          if (!world.plans.sent.get(id)?.has(name))
            throw new FuzzFailure('MISMATCH', `shared plan ${id} named '${name}': never written`, op, obs);
        }
        // Shared means shared: what any tenant committed before this read started is there for every tenant.
        for (const id of before.keys())
          if (!seen.has(id))
            throw new FuzzFailure('MISMATCH', `shared plan ${id} is missing: plans are not one table for all`, op, obs);
      });
    }
    case 'keptClient':
      op.flag = d.flag;
      // Refused (a per-tenant client in another tenant's context), or the current tenant's rows only
      // (RLS: one client follows the context; in a mixed app, another strategy's client may see none).
      return check((obs) => {
        if (obs.error !== undefined && !/TenantMismatchError|TENANT_MISMATCH/.test(obs.error))
          throw new FuzzFailure('MISMATCH', 'a kept client failed otherwise than with TenantMismatchError', op, obs);
      });
    case 'aborted':
      throw new Error('unreachable');
  }
}

function commit(target: TenantOracle, next: TenantOracle): void {
  target.projects.clear();
  for (const [id, p] of next.projects) target.projects.set(id, p);
}
