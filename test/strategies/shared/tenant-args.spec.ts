import { TenantMismatchError, TenantRelationNotFoundError } from '../../../lib';
import { type Args, runScopedWrite } from '../../../lib/strategies/shared/tenant-args';

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
