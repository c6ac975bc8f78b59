import { makeTypedQueryFactory } from '@prisma/client/runtime/client';
import type { PrismaClient } from '../../fixtures/generated/client';
import type { FuzzObs, FuzzOp, NewProject, ProjectObs, TaskObs } from './fuzz-model';

/**
 * Runs one fuzz operation with a tenant's client and reports what it saw as
 * JSON-safe observations. The same function serves the in-process share and
 * the HTTP route, so both paths run exactly the same Prisma calls. Errors are
 * observations too: the checker decides whether one was expected.
 */
export async function runOp(db: PrismaClient, op: FuzzOp): Promise<FuzzObs> {
  try {
    return await run(db, op);
  } catch (error) {
    return { error: describeError(error) };
  }
}

// Typed SQL as the generated `sql` module builds it (`prisma generate --sql`
// does the same with `makeTypedQueryFactory`): unknown to any list of raw operations.
const typedProjects = makeTypedQueryFactory('SELECT id, tenant_id, name, budget FROM projects WHERE budget >= $1');

const ROLLBACK = 'fuzz-rollback';

type Db = PrismaClient | Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

async function run(db: PrismaClient, op: FuzzOp): Promise<FuzzObs> {
  const id = op.id!;
  switch (op.kind) {
    case 'findUnique':
      if (op.flag) {
        const tasks = await db.project.findUnique({ where: { id } }).tasks();
        return { tasks: tasks ? tasks.map((t) => task(t)) : null };
      }
      if (op.variant === 1)
        return { projects: rows([await db.project.findUniqueOrThrow({ where: { id }, include: { tasks: true } })]) };
      return { projects: rows([await db.project.findUnique({ where: { id }, include: { tasks: true } })]) };
    case 'findFirst': {
      const args = {
        where: { budget: { gte: op.v! } },
        orderBy: { budget: 'desc' as const },
        include: { tasks: true },
      };
      return { projects: rows([op.flag ? await db.project.findFirstOrThrow(args) : await db.project.findFirst(args)]) };
    }
    case 'findMany':
      return { projects: rows(await db.project.findMany({ include: { tasks: true } })) };
    case 'findManyIn':
      return { projects: rows(await db.project.findMany({ where: { id: { in: op.ids! } } })) };
    case 'taskFindMany':
      return { tasks: (await db.task.findMany({ include: { project: true } })).map((t) => task(t)) };
    case 'count':
      return {
        values: [
          await db.project.count(),
          await db.task.count(),
          await db.project.count({ where: { budget: { gte: op.v! } } }),
        ],
      };
    case 'aggregate': {
      const a = await db.project.aggregate({ _sum: { budget: true }, _count: { _all: true }, _max: { budget: true } });
      return { values: [a._sum.budget, a._count._all, a._max.budget] };
    }
    case 'groupBy': {
      const groups = await db.task.groupBy({ by: ['done'], _count: { _all: true } });
      return { values: [false, true].map((done) => groups.find((g) => g.done === done)?._count._all ?? 0) };
    }
    case 'create': {
      // With a task to connect: the nested create moves one of the tenant's tasks (or tries another tenant's).
      const data = createData(op.projects![0]);
      const tasks = { create: op.projects![0].tasks, connect: op.taskId ? [{ id: op.taskId }] : [] };
      return { projects: rows([await db.project.create({ data: { ...data, tasks }, include: { tasks: true } })]) };
    }
    case 'createMany':
      return { values: [(await db.project.createMany({ data: op.projects!.map(({ tasks: _, ...p }) => p) })).count] };
    case 'createManyAndReturn':
      return {
        projects: rows(await db.project.createManyAndReturn({ data: op.projects!.map(({ tasks: _, ...p }) => p) })),
      };
    case 'update':
      return {
        projects: rows([
          await db.project.update({
            where: { id },
            data: { name: op.name, budget: op.budget },
            include: { tasks: true },
          }),
        ]),
      };
    case 'updateMany':
      return {
        values: [
          op.flag
            ? (await db.project.updateMany({ data: { budget: { increment: op.v! } } })).count
            : (await db.project.updateMany({ where: { budget: { gte: 500 } }, data: { name: op.name } })).count,
        ],
      };
    case 'upsert':
      return {
        projects: rows([
          await db.project.upsert({
            where: { id },
            create: { id, name: op.name!, budget: op.budget },
            update: { name: op.name, budget: op.budget },
            include: { tasks: true },
          }),
        ]),
      };
    case 'delete':
      return { projects: rows([await db.project.delete({ where: { id } })]) };
    case 'deleteMany':
      return { values: [(await db.project.deleteMany({ where: { id: { in: op.ids! } } })).count] };
    case 'nestedUpdate': {
      const tasks = { create: op.projects![0].tasks, ...(op.taskId ? { connect: [{ id: op.taskId }] } : {}) };
      return {
        projects: rows([await db.project.update({ where: { id }, data: { tasks }, include: { tasks: true } })]),
      };
    }
    case 'connectTask':
      return {
        tasks: [
          task(await db.task.create({ data: { id: op.taskId!, title: op.title!, project: { connect: { id } } } })),
        ],
      };
    case 'queryRaw':
      return {
        projects: rawProjects(await db.$queryRaw<RawProject[]>`SELECT id, tenant_id, name, budget FROM projects`),
      };
    case 'queryRawUnsafe':
      return {
        tasks: rawTasks(
          await db.$queryRawUnsafe<RawTask[]>(
            'SELECT id, tenant_id, project_id, title, done FROM tasks WHERE project_id = $1',
            id,
          ),
        ),
      };
    case 'executeRaw':
      return { values: [await db.$executeRaw`UPDATE projects SET budget = budget + ${op.v!}`] };
    case 'executeRawUnsafeMulti':
      // No parameters: pg sends it as a simple query, where several statements are allowed.
      await db.$executeRawUnsafe(`UPDATE projects SET budget = budget + ${op.v!}; UPDATE tasks SET done = NOT done`);
      return {};
    case 'queryRawTyped':
      return { projects: rawProjects((await db.$queryRawTyped(typedProjects(op.v!))) as RawProject[]) };
    case 'hostileSession':
      return hostile(db, op);
    case 'interactiveTx':
      return db.$transaction(async (tx) => {
        await tx.project.create({ data: createData(op.projects![0]) });
        if (op.id) await tx.project.update({ where: { id }, data: { budget: { increment: op.v! } } });
        const seen = rows(await tx.project.findMany({ include: { tasks: true } }));
        const [{ n }] = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM projects`;
        return { projects: seen, values: [n] };
      });
    case 'throwingTx':
      return db.$transaction(async (tx) => {
        await tx.project.create({ data: createData(op.projects![0]) });
        await tx.$executeRaw`UPDATE projects SET budget = budget + 1`;
        if (op.flag) await tx.$executeRawUnsafe('DELETE FROM tasks');
        throw new Error(ROLLBACK);
      });
    case 'batchTx': {
      const [, , count, raw] = await db.$transaction([
        db.project.create({ data: createData(op.projects![0]) }),
        db.project.updateMany({ data: { budget: { increment: op.v! } } }),
        db.project.count(),
        db.$queryRaw<RawProject[]>`SELECT id, tenant_id, name, budget FROM projects`,
      ]);
      return { values: [count], projects: rawProjects(raw) };
    }
    case 'failingBatchTx': {
      const [first, dup] = op.projects!;
      await db.$transaction([
        db.project.create({ data: createData(first) }),
        db.project.create({ data: createData(dup) }),
        db.project.create({ data: createData(dup) }),
      ]);
      return {};
    }
    case 'planUpsert':
      return {
        plans: [
          plan(await db.plan.upsert({ where: { id }, create: { id, name: op.name! }, update: { name: op.name } })),
        ],
      };
    case 'planRead':
      return { plans: (await db.plan.findMany()).map(plan) };
    case 'keptClient':
      // Taken from another tenant by the app harness (fuzz-app.ts); with the current client it is a read.
      return run(db, { ...op, kind: op.flag ? 'queryRaw' : 'findMany' });
    case 'aborted':
      return run(db, op.inner!);
  }
}

/**
 * Raw SQL that tries to move the session to another tenant (or out of its
 * schema), then reads the usual way: the read must stay the tenant's own,
 * and nothing may carry over to later requests on the same connection.
 */
async function hostile(db: Db, op: FuzzOp): Promise<FuzzObs> {
  const other = op.other.replace(/'/g, "''");
  const statements = [
    () => db.$queryRawUnsafe(`SELECT set_config('app.tenant_id', '${other}', false)`),
    () => db.$executeRawUnsafe(`SET app.tenant_id = '${other}'`),
    () => db.$executeRawUnsafe(`SET search_path TO "${op.otherSchema}", public`),
    () =>
      db.$executeRawUnsafe(
        `SELECT set_config('search_path', '"${op.otherSchema}"', false); SELECT set_config('app.tenant_id', '${other}', false)`,
      ),
    () => db.$executeRawUnsafe('RESET ALL'),
    () => db.$queryRawUnsafe(`SELECT set_config('app.tenant_id', '${other}', true)`),
    // pg_temp is searched first: left on a pooled connection, this copy of my rows would
    // shadow the table in every later unqualified raw read there, any tenant's.
    () => db.$executeRawUnsafe('CREATE TEMP TABLE IF NOT EXISTS projects AS SELECT * FROM projects'),
  ];
  const attempt = await statements[op.variant! % statements.length]().then(
    () => 'ran',
    (error: unknown) => `refused: ${describeError(error)}`,
  );
  const raw = rawProjects(await db.$queryRaw<RawProject[]>`SELECT id, tenant_id, name, budget FROM projects`);
  const modelled = rows(await db.project.findMany({ include: { tasks: true } }));
  return { values: [attempt], nested: [{ projects: raw }, { projects: modelled }] };
}

function createData(p: NewProject) {
  return { id: p.id, name: p.name, budget: p.budget, ...(p.tasks.length ? { tasks: { create: p.tasks } } : {}) };
}

interface RawProject {
  id: string;
  tenant_id: string;
  name: string;
  budget: number;
}
interface RawTask {
  id: string;
  tenant_id: string;
  project_id: string;
  title: string;
  done: boolean;
}

function rows(found: (Parameters<typeof project>[0] | null)[]): ProjectObs[] {
  return found.filter((p) => p !== null).map(project);
}

function project(p: {
  id: string;
  tenantId: string;
  name: string;
  budget: number;
  tasks?: Parameters<typeof task>[0][];
}): ProjectObs {
  return {
    id: p.id,
    tenantId: p.tenantId,
    name: p.name,
    budget: p.budget,
    ...(p.tasks ? { tasks: p.tasks.map((t) => task(t)) } : {}),
  };
}

function task(t: {
  id: string;
  tenantId: string;
  projectId: string;
  title: string;
  done: boolean;
  project?: Parameters<typeof project>[0] | null;
}): TaskObs {
  const row: TaskObs = { id: t.id, tenantId: t.tenantId, projectId: t.projectId, title: t.title, done: t.done };
  if (t.project) row.project = project(t.project);
  return row;
}

function plan(p: { id: string; name: string }) {
  return { id: p.id, name: p.name };
}

function rawProjects(found: RawProject[]): ProjectObs[] {
  return found.map((r) => ({ id: r.id, tenantId: r.tenant_id, name: r.name, budget: Number(r.budget) }));
}

function rawTasks(found: RawTask[]): TaskObs[] {
  return found.map((r) => ({ id: r.id, tenantId: r.tenant_id, projectId: r.project_id, title: r.title, done: r.done }));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string; errorCode?: string }).errorCode ?? (error as { code?: string }).code;
  return `${error.constructor.name}${code ? ` ${code}` : ''}: ${error.message.split('\n').filter(Boolean).slice(-1)[0] ?? ''}`.slice(
    0,
    300,
  );
}
