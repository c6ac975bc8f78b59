import fc from 'fast-check';
import { quoteIdent, withClient } from '../../support';
import { FuzzFailure, FuzzWorld, plan, type FuzzStats, type Step } from './fuzz-check';
import {
  OP_KINDS,
  PlanOracle,
  projectObs,
  type FuzzObs,
  type FuzzOp,
  type OpKind,
  type ProjectObs,
} from './fuzz-model';
import type { FuzzSetup, FuzzTarget, Place } from './fuzz-setups';
import { KNOWN_HOLES, knownHoleFor, type KnownHole } from './known-holes';

/** Knobs read from the environment: `TENANCY_FUZZ_OPS`, `TENANCY_FUZZ_SEED`, `TENANCY_FUZZ_PATH`. */
export interface FuzzSettings {
  /** Operations per setup, at least. Default: 2,000. */
  ops: number;
  /** Operations per fast-check run (each run starts from empty tables). Default: 500. */
  opsPerRun: number;
  seed: number;
  path?: string;
}

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const ops = Number(env.TENANCY_FUZZ_OPS ?? 2000);
  if (!Number.isInteger(ops) || ops < 1)
    throw new Error(`TENANCY_FUZZ_OPS must be a positive integer, got '${env.TENANCY_FUZZ_OPS}'`);
  const seed =
    env.TENANCY_FUZZ_SEED !== undefined
      ? Number(env.TENANCY_FUZZ_SEED)
      : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  if (!Number.isInteger(seed)) throw new Error(`TENANCY_FUZZ_SEED must be an integer, got '${env.TENANCY_FUZZ_SEED}'`);
  return { ops, opsPerRun: Math.min(ops, 500), seed, path: env.TENANCY_FUZZ_PATH };
}

// Reads and writes most, every other kind often enough to run dozens of times per 500.
const WEIGHTS: Partial<Record<OpKind, number>> = {
  findMany: 3,
  findUnique: 3,
  create: 4,
  update: 2,
  upsert: 2,
  delete: 2,
  findManyIn: 2,
  queryRaw: 2,
};

function stepArb(tenants: number, focus?: OpKind): fc.Arbitrary<Step> {
  const kind = fc.oneof(
    ...OP_KINDS.map((k) => ({ arbitrary: fc.constant(k), weight: k === focus ? 40 : (WEIGHTS[k] ?? 1) })),
  );
  const d = fc.record({
    a: fc.nat(1000),
    b: fc.nat(1000),
    n: fc.nat(3),
    v: fc.integer({ min: 1, max: 999 }),
    flag: fc.boolean(),
    flag2: fc.boolean(),
  });
  return fc
    .record({ tenant: fc.nat(tenants - 1), kind, viaHttp: fc.nat(9), d })
    .map(({ viaHttp, ...s }) => ({ ...s, http: s.kind === 'aborted' || viaHttp < 3 }));
}

/**
 * Runs the fuzz on one booted setup: `ops` random operations in runs of
 * `opsPerRun`, each run from empty tables, one lane per tenant (a tenant's
 * operations in order, all tenants at once), every result checked against
 * the oracle as it arrives and the stored rows checked as a superuser at the
 * end of each run. Throws fast-check's report, with seed and path, on failure.
 */
export async function runFuzz(
  setup: FuzzSetup,
  target: FuzzTarget,
  settings: FuzzSettings,
  focus?: KnownHole,
): Promise<FuzzStats> {
  const stats: FuzzStats = { ops: 0, http: 0, aborted: 0, rowsChecked: 0, crossed: 0, byKind: {} };
  const runs = Math.ceil(settings.ops / settings.opsPerRun);
  let run = 0;
  // Known holes are steered around, but for the one a focused run must find.
  const avoid = (op: FuzzOp) => {
    const hole = knownHoleFor(setup.label, op, KNOWN_HOLES);
    return hole !== undefined && hole !== focus;
  };
  const steps = fc.array(stepArb(setup.tenants.length, focus?.kind), {
    minLength: settings.opsPerRun,
    maxLength: settings.opsPerRun,
  });
  const property = fc.asyncProperty(steps, async (list) => {
    const world = new FuzzWorld(setup.tenants, `r${++run}`, new PlanOracle(), setup.schemaOf, stats);
    await reset(setup, target);
    await runLanes(list, world, target, stats, avoid);
    await checkFinalState(setup, target, world);
  });
  await fc.assert(property, {
    numRuns: runs,
    seed: settings.seed,
    path: settings.path,
    endOnFailure: true,
    reporter: (details) => report(details, setup, settings),
  });
  return stats;
}

function report(details: fc.RunDetails<[Step[]]>, setup: FuzzSetup, settings: FuzzSettings): void {
  if (!details.failed) return;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `isolation fuzz failed on '${setup.label}' after ${details.numRuns} run(s): ${error}\n` +
      `replay: TENANCY_FUZZ_SEED=${details.seed} TENANCY_FUZZ_PATH=${details.counterexamplePath} TENANCY_FUZZ_OPS=${settings.ops} ` +
      `npx jest test/strategies/isolation-fuzz -t '${setup.label}'\n(seed: ${details.seed}, path: "${details.counterexamplePath}"; ` +
      `lanes run concurrently, so a replay repeats the operations but not always their interleaving)`,
  );
}

async function runLanes(
  list: Step[],
  world: FuzzWorld,
  target: FuzzTarget,
  stats: FuzzStats,
  avoid: (op: FuzzOp) => boolean,
): Promise<void> {
  const lanes = new Map<number, Step[]>();
  for (const step of list) lanes.set(step.tenant, [...(lanes.get(step.tenant) ?? []), step]);
  let failed = false;
  const results = await Promise.allSettled(
    [...lanes.values()].map(async (lane) => {
      for (const step of lane) {
        if (failed) return;
        let planned = plan(step, world);
        if (avoid(planned.op.kind === 'aborted' ? planned.op.inner! : planned.op))
          planned = plan({ ...step, kind: 'findMany' }, world);
        const { op, check } = planned;
        let obs: FuzzObs;
        try {
          obs = step.http || op.kind === 'aborted' ? await target.app.http(op) : await target.app.direct(op);
        } catch (error) {
          obs = { error: `thrown outside the operation: ${(error as Error).message}` };
        }
        if (step.http) stats.http++;
        if (op.kind === 'aborted') stats.aborted++;
        try {
          check(obs);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

async function reset(setup: FuzzSetup, target: FuzzTarget): Promise<void> {
  await Promise.all(
    setup.tenants.map((id) => target.app.context.run(id, () => target.app.prisma.client.project.deleteMany({}))),
  );
  await target.app.context.run(setup.tenants[0], () => target.app.prisma.client.plan.deleteMany({}));
}

/**
 * After a run: every tenant reads its whole state through the package, and
 * every place is read as a superuser, and both must equal the oracle. A row
 * in a place its tenant does not own fails as crossed.
 */
async function checkFinalState(setup: FuzzSetup, target: FuzzTarget, world: FuzzWorld): Promise<void> {
  for (const id of setup.tenants) {
    const op: FuzzOp = { kind: 'findMany', me: id, other: id };
    const { check } = plan(
      {
        tenant: setup.tenants.indexOf(id),
        kind: 'findMany',
        http: false,
        d: { a: 0, b: 0, n: 0, v: 1, flag: false, flag2: false },
      },
      world,
    );
    check(await target.app.direct(op));
    world.stats.ops--;
  }
  const stored = new Map<string, ProjectObs[]>();
  for (const place of target.places) {
    for (const row of await readPlace(place)) {
      const owner = place.owner ?? (place.rlsTenants?.includes(row.tenantId) ? row.tenantId : undefined);
      const bad = row.tenantId !== owner || row.tasks!.some((t) => t.tenantId !== owner);
      if (bad) {
        world.stats.crossed++;
        throw new FuzzFailure(
          'CROSSED',
          `stored row ${row.id} of tenant ${row.tenantId} lies in ${place.schema} of ${place.owner ?? 'the shared place'}`,
          { kind: 'findMany', me: '(superuser)', other: '' },
          { projects: [row] },
        );
      }
      stored.set(owner!, [...(stored.get(owner!) ?? []), row]);
    }
  }
  for (const [id, oracle] of world.oracles) {
    const expected = [...oracle.projects.values()].map((p) => projectObs(id, p, true));
    const actual = stored.get(id) ?? [];
    world.stats.rowsChecked += actual.reduce((n, p) => n + 1 + p.tasks!.length, 0);
    const norm = (rows: ProjectObs[]) =>
      JSON.stringify(
        rows
          .map((p) => ({ ...p, tasks: [...p.tasks!].sort((x, y) => (x.id < y.id ? -1 : 1)) }))
          .sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
    if (norm(actual) !== norm(expected)) {
      throw new FuzzFailure(
        'MISMATCH',
        `stored rows of ${id} differ from its oracle: expected ${norm(expected).slice(0, 800)}, stored ${norm(actual).slice(0, 800)}`,
        { kind: 'findMany', me: id, other: id },
        {},
      );
    }
  }
}

async function readPlace(place: Place): Promise<ProjectObs[]> {
  return withClient(place.url, async (c) => {
    const s = quoteIdent(place.schema);
    const projects = await c.query<{ id: string; tenant_id: string; name: string; budget: number }>(
      `SELECT id, tenant_id, name, budget FROM ${s}.projects`,
    );
    const tasks = await c.query<{ id: string; tenant_id: string; project_id: string; title: string; done: boolean }>(
      `SELECT id, tenant_id, project_id, title, done FROM ${s}.tasks`,
    );
    const byId = new Map(
      projects.rows.map((p) => [
        p.id,
        {
          id: p.id,
          tenantId: p.tenant_id,
          name: p.name,
          budget: p.budget,
          tasks: [] as NonNullable<ProjectObs['tasks']>,
        },
      ]),
    );
    for (const t of tasks.rows)
      byId
        .get(t.project_id)!
        .tasks.push({ id: t.id, tenantId: t.tenant_id, projectId: t.project_id, title: t.title, done: t.done });
    return [...byId.values()];
  });
}
