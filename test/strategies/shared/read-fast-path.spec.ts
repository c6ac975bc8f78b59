import { READ_OPERATIONS, readFastPath } from '../../../lib/strategies/shared/read-fast-path';

// Unit spec: two plain objects stand for the client without (`base`) and with (`bound`) the
// tenant-bound extension; each operation answers which client it came from.
type Client = Record<string, any>;

function delegate(client: string, model: string): Record<string, (...args: unknown[]) => string> {
  const operations = [...READ_OPERATIONS, 'create', 'update', 'upsert', 'delete', 'deleteMany', 'createMany'];
  return Object.fromEntries(operations.map((op) => [op, () => `${client}.${model}.${op}`]));
}

function clients() {
  const base: Client = { project: delegate('base', 'project'), plan: delegate('base', 'plan') };
  const bound: Client = {
    project: delegate('bound', 'project'),
    plan: delegate('bound', 'plan'),
    // Only on the extended client (an extension's model or result).
    extra: { findMany: () => 'bound.extra.findMany' },
    $transaction(this: Client) {
      return this === bound ? 'bound.$transaction' : 'wrong this';
    },
    $queryRaw: () => 'bound.$queryRaw',
    _engine: 'bound engine',
    version: 7,
  };
  return { base, bound, client: readFastPath(base, bound, new Set(['Plan'])) };
}

describe('readFastPath', () => {
  it('sends reads of tenant-scoped models to the base client', () => {
    const { client } = clients();
    for (const op of READ_OPERATIONS) expect(client.project[op]()).toBe(`base.project.${op}`);
  });

  it('sends writes of tenant-scoped models to the bound client', () => {
    const { client } = clients();
    for (const op of ['create', 'createMany', 'update', 'upsert', 'delete', 'deleteMany'])
      expect(client.project[op]()).toBe(`bound.project.${op}`);
  });

  it('sends every operation of a shared model to the bound client (its extension routes it)', () => {
    const { client } = clients();
    expect(client.plan.findMany()).toBe('bound.plan.findMany');
    expect(client.plan.create()).toBe('bound.plan.create');
  });

  it('keeps $ methods on the bound client, bound to it', () => {
    const { client } = clients();
    const { $transaction } = client;
    expect($transaction()).toBe('bound.$transaction');
    expect(client.$queryRaw()).toBe('bound.$queryRaw');
    expect(client._engine).toBe('bound engine');
  });

  it('leaves what is not a model delegate of both clients to the bound client', () => {
    const { client } = clients();
    expect(client.extra.findMany()).toBe('bound.extra.findMany'); // not on base: no fast path
    expect(client.version).toBe(7);
    expect(client.then).toBeUndefined(); // not thenable, so `await client` is the client
    expect(client.nothing).toBeUndefined();
  });

  it('builds each model delegate once', () => {
    const { client } = clients();
    expect(client.project).toBe(client.project);
    expect(client.$queryRaw).toBe(client.$queryRaw);
  });

  it('reads only: no operation that writes, and nothing of $ or raw SQL, is in READ_OPERATIONS', () => {
    for (const op of READ_OPERATIONS) expect(op).toMatch(/^(find|count|aggregate|groupBy)/);
    for (const op of ['create', 'update', 'upsert', 'delete', 'updateMany', 'deleteMany', 'createMany'])
      expect(READ_OPERATIONS.has(op)).toBe(false);
  });
});
