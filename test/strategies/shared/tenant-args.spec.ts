import { TenantMismatchError, TenantRelationNotFoundError } from '../../../lib';
import { type Args, runScopedWrite, scopeArgs } from '../../../lib/strategies/shared/tenant-args';

// Prisma's errors, as far as runScopedWrite reads them (by name, so two copies of @prisma/client do not matter).
const validation = (field: string) =>
  Object.assign(new Error(`Unknown argument \`${field}\`. Available options are marked with ?.`), {
    name: 'PrismaClientValidationError',
  });
const known = (code: string, meta: Record<string, unknown> = {}) =>
  Object.assign(new Error(code), { name: 'PrismaClientKnownRequestError', code, meta });

/** A `query` that answers from `answers` in turn (an Error is thrown) and records what it was given. */
function fakeQuery(...answers: unknown[]) {
  const calls: Args[] = [];
  const query = async (args: Args) => {
    calls.push(args);
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { calls, query };
}

describe('scopeArgs', () => {
  it.each(['findMany', 'findFirst', 'findFirstOrThrow', 'count', 'aggregate', 'groupBy', 'updateMany', 'deleteMany'])(
    '%s: adds the tenant to the where, or makes one',
    (operation) => {
      expect(scopeArgs(operation, { where: { done: true }, take: 5 }, 'tenantId', 'a')).toEqual({
        where: { done: true, tenantId: 'a' },
        take: 5,
      });
      expect(scopeArgs(operation, {}, 'tenantId', 'a').where).toEqual({ tenantId: 'a' });
      expect(scopeArgs(operation, { where: null }, 'tenantId', 'a').where).toEqual({ tenantId: 'a' });
    },
  );

  it.each(['findUnique', 'findUniqueOrThrow', 'update', 'upsert', 'delete'])(
    '%s: the tenant beside a unique filter; another tenant named in it is TenantMismatchError',
    (operation) => {
      expect(scopeArgs(operation, { where: { id: 'x' } }, 'tenantId', 'a').where).toEqual({ id: 'x', tenantId: 'a' });
      const same = { id: 'x', tenantId: 'a' };
      expect(scopeArgs(operation, { where: same }, 'tenantId', 'a').where).toBe(same);
      expect(() => scopeArgs(operation, { where: { id: 'x', tenantId: 'b' } }, 'tenantId', 'a')).toThrow(
        TenantMismatchError,
      );
    },
  );

  it('a non-unique filter on the tenant field is kept and ANDed with the tenant', () => {
    const where = { tenantId: { in: ['a', 'b'] } };
    expect(scopeArgs('findMany', { where }, 'tenantId', 'a').where).toEqual({ AND: [where, { tenantId: 'a' }] });
    expect(scopeArgs('deleteMany', { where: { tenantId: 'b' } }, 'tenantId', 'a').where).toEqual({
      AND: [{ tenantId: 'b' }, { tenantId: 'a' }],
    });
  });

  it('puts the tenant into created data (each row of createMany), refusing another tenant', () => {
    expect(scopeArgs('create', { data: { title: 't' } }, 'tenantId', 'a')).toEqual({
      data: { title: 't', tenantId: 'a' },
    });
    expect(scopeArgs('createMany', { data: [{ n: 1 }, { n: 2, tenantId: 'a' }] }, 'tenantId', 'a').data).toEqual([
      { n: 1, tenantId: 'a' },
      { n: 2, tenantId: 'a' },
    ]);
    expect(scopeArgs('createManyAndReturn', { data: { n: 1 } }, 'tenantId', 'a').data).toEqual({
      n: 1,
      tenantId: 'a',
    });
    expect(() => scopeArgs('create', { data: { tenantId: 'b' } }, 'tenantId', 'a')).toThrow(TenantMismatchError);
    expect(() => scopeArgs('createMany', { data: [{}, { tenantId: 'b' }] }, 'tenantId', 'a')).toThrow(
      TenantMismatchError,
    );
  });

  it('upsert: the tenant in the where and the create; the update may not move the row', () => {
    expect(scopeArgs('upsert', { where: { id: 'x' }, create: { n: 1 }, update: { n: 2 } }, 'tenantId', 'a')).toEqual({
      where: { id: 'x', tenantId: 'a' },
      create: { n: 1, tenantId: 'a' },
      update: { n: 2 },
    });
    expect(() =>
      scopeArgs('upsert', { where: { id: 'x' }, create: {}, update: { tenantId: 'b' } }, 'tenantId', 'a'),
    ).toThrow(TenantMismatchError);
  });

  it.each(['update', 'updateMany', 'updateManyAndReturn'])(
    '%s: setting the tenant field to another tenant is TenantMismatchError; to its own, allowed',
    (operation) => {
      for (const data of [{ tenantId: 'b' }, { tenantId: { set: 'b' } }])
        expect(() => scopeArgs(operation, { where: { id: 'x' }, data }, 'tenantId', 'a')).toThrow(TenantMismatchError);
      for (const data of [{ tenantId: 'a' }, { tenantId: { set: 'a' } }, { title: 't' }])
        expect(scopeArgs(operation, { where: { id: 'x' }, data }, 'tenantId', 'a').data).toBe(data);
    },
  );

  it('uses the configured field name and leaves the given arguments untouched', () => {
    const args = { where: { id: 'x' }, data: { title: 't' } };
    const copy = structuredClone(args);
    expect(scopeArgs('update', args, 'orgId', 'a').where).toEqual({ id: 'x', orgId: 'a' });
    expect(args).toEqual(copy);
  });

  it('adds nothing to operations without a where or data it knows', () => {
    expect(scopeArgs('$queryRaw', { sql: 'x' }, 'tenantId', 'a')).toEqual({ sql: 'x' });
  });
});

describe('runScopedWrite', () => {
  it('runs a create once, with the tenant in its data, when Prisma accepts it', async () => {
    const { calls, query } = fakeQuery('row');
    await expect(
      runScopedWrite('create', { data: { title: 't', projectId: 'p' } }, 'tenantId', 'a', query),
    ).resolves.toBe('row');
    expect(calls).toEqual([{ data: { title: 't', projectId: 'p', tenantId: 'a' } }]);
  });

  it('checked form refused for the tenant field: runs again without it, the tenant in each connect and connectOrCreate.where', async () => {
    const { calls, query } = fakeQuery(validation('tenantId'), 'row');
    const data = {
      title: 't',
      project: { connect: { id: 'p' } },
      tags: { connectOrCreate: [{ where: { id: 'g' }, create: { id: 'g' } }] },
      when: new Date(0),
    };
    await expect(runScopedWrite('create', { data }, 'tenantId', 'a', query)).resolves.toBe('row');
    expect(calls[1]).toEqual({
      data: {
        title: 't',
        project: { connect: { id: 'p', tenantId: 'a' } },
        tags: { connectOrCreate: [{ where: { id: 'g', tenantId: 'a' }, create: { id: 'g' } }] },
        when: new Date(0),
      },
    });
    // upsert: the create part, and the where keeps its tenant.
    const upsert = fakeQuery(validation('tenantId'), 'row');
    await runScopedWrite(
      'upsert',
      { where: { id: 't1' }, create: { project: { connect: { id: 'p' } } }, update: {} },
      'tenantId',
      'a',
      upsert.query,
    );
    expect(upsert.calls[1]).toEqual({
      where: { id: 't1', tenantId: 'a' },
      create: { project: { connect: { id: 'p', tenantId: 'a' } } },
      update: {},
    });
  });

  it('fails closed: no second run without a relation write (a model with no tenant field), or when the caller named the field', async () => {
    const plain = fakeQuery(validation('tenantId'));
    await expect(
      runScopedWrite('create', { data: { title: 't' } }, 'tenantId', 'a', plain.query),
    ).rejects.toMatchObject({ name: 'PrismaClientValidationError' });
    expect(plain.calls).toHaveLength(1);
    const named = fakeQuery(validation('tenantId'));
    await expect(
      runScopedWrite(
        'create',
        { data: { tenantId: 'a', project: { connect: { id: 'p' } } } },
        'tenantId',
        'a',
        named.query,
      ),
    ).rejects.toMatchObject({ name: 'PrismaClientValidationError' });
    expect(named.calls).toHaveLength(1);
    const other = fakeQuery(validation('title'));
    await expect(
      runScopedWrite('create', { data: { project: { connect: { id: 'p' } } } }, 'tenantId', 'a', other.query),
    ).rejects.toThrow(/title/);
    expect(other.calls).toHaveLength(1);
  });

  it('a connect naming another tenant is TenantMismatchError before the second run', async () => {
    const { calls, query } = fakeQuery(validation('tenantId'));
    const data = { project: { connect: { id: 'p', tenantId: 'b' } } };
    await expect(runScopedWrite('create', { data }, 'tenantId', 'a', query)).rejects.toBeInstanceOf(
      TenantMismatchError,
    );
    expect(calls).toHaveLength(1);
  });

  it('maps nested writes that found nothing to TenantRelationNotFoundError, and leaves other errors as they are', async () => {
    for (const error of [
      known('P2025', { operation: 'a nested connect', model: 'Project' }),
      known('P2018'),
      known('P2017', { child: 'Task' }),
    ]) {
      const mapped = await runScopedWrite(
        'update',
        { where: { id: 'x' }, data: {} },
        'tenantId',
        'a',
        fakeQuery(error).query,
      ).catch((e: unknown) => e);
      expect(mapped).toBeInstanceOf(TenantRelationNotFoundError);
      expect((mapped as Error & { cause?: unknown }).cause).toBe(error);
    }
    for (const error of [
      known('P2025', { operation: 'an update' }),
      known('P2002'),
      known('P2014'),
      new Error('boom'),
    ]) {
      await expect(
        runScopedWrite('update', { where: { id: 'x' }, data: {} }, 'tenantId', 'a', fakeQuery(error).query),
      ).rejects.toBe(error);
    }
  });
});
