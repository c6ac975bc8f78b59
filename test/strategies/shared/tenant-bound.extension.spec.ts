import { settingsScope } from '../../../lib/strategies/shared/statement-scope';
import { tenantBoundExtension } from '../../../lib/strategies/shared/tenant-bound.extension';

// The per-tenant client's extension must fail closed on operations it does not
// know (a later Prisma's, or one it forgot, as `$queryRawTyped` once was): they
// take the scoped path (the tenant's settings in the session), never the plain one.
describe('tenantBoundExtension: unknown operations take the scoped path', () => {
  const extension = tenantBoundExtension({
    tenantId: 't1',
    tenantField: 'tenantId',
    sharedModels: new Set(['Plan']),
    currentTenantId: () => 't1',
    shared: async () => 'shared',
  });
  const hook = extension.query.$allOperations;
  const run = (model: string | undefined, operation: string) =>
    hook({
      model,
      operation,
      args: {},
      query: async (args) => ({ scoped: settingsScope.getStore() !== undefined, kind: settingsScope.getStore(), args }),
    }) as Promise<{
      scoped: boolean;
      kind?: string;
      args: Record<string, unknown>;
    }>;

  // 'any' also marks the connection for a reset before its next use (session-reset.ts).
  it.each([
    [undefined, '$queryRawTyped', 'any'],
    [undefined, '$queryRaw', 'any'],
    [undefined, '$executeRawUnsafe', 'any'],
    [undefined, '$someFutureRawOperation', 'any'],
    ['Project', 'someFutureOperation', 'any'],
    ['Project', 'create', 'write'],
    ['Project', 'deleteMany', 'write'],
  ])('%s.%s runs with the tenant settings, as %s', async (model, operation, kind) => {
    const result = await run(model, operation);
    expect(result.scoped).toBe(true);
    expect(result.kind).toBe(kind);
  });

  it('known reads are filtered by tenant, without the settings round trip', async () => {
    const result = await run('Project', 'findMany');
    expect(result).toEqual({ scoped: false, kind: undefined, args: { where: { tenantId: 't1' } } });
  });

  it('shared models go to the shared client, whatever the operation', async () => {
    expect(await hook({ model: 'Plan', operation: 'someFutureOperation', args: {}, query: async () => 'tenant' })).toBe(
      'shared',
    );
  });

  it('refuses every operation in another tenant context', () => {
    const foreign = tenantBoundExtension({
      tenantId: 't1',
      tenantField: 'tenantId',
      sharedModels: new Set(),
      currentTenantId: () => 't2',
      shared: async () => undefined,
    }).query.$allOperations;
    for (const operation of ['$queryRawTyped', 'someFutureOperation', 'findMany']) {
      expect(() =>
        foreign({
          model: operation.startsWith('$') ? undefined : 'Project',
          operation,
          args: {},
          query: async () => undefined,
        }),
      ).toThrow(/another tenant/);
    }
  });
});
