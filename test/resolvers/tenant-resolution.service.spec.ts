import type { ExecutionContext } from '@nestjs/common';
import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
import type { TenantResolverOption } from '../../lib/options/tenancy-options.interface';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';
import { TenantResolution } from '../../lib/resolvers/tenant-resolution.service';
import type { TenancyRequest } from '../../lib/resolvers/tenant-resolver.interface';

function resolution(resolvers?: TenantResolverOption[]): TenantResolution {
  const options = resolveTenancyOptions({
    strategy: 'rls',
    databaseUrl: 'postgresql://unused@localhost/unused',
    createClient: () => ({}),
    tenants: [],
    resolvers,
  });
  return new TenantResolution(options);
}

const request: TenancyRequest = {
  headers: { 'x-tenant-id': 'from-header' },
  hostname: 'from-subdomain.example.com',
  path: '/from-path/projects',
  user: { tenantId: 'from-claim' },
  raw: {},
};

describe('TenantResolution', () => {
  it('uses the header resolver by default', async () => {
    await expect(resolution().resolveRequest(request)).resolves.toBe('from-header');
  });

  // The guard's hot path: an HTTP context resolved without a promise when every resolver tried answers at once.
  describe('resolveNow', () => {
    const httpContext = (req: object) =>
      ({ getType: () => 'http', switchToHttp: () => ({ getRequest: () => req }) }) as unknown as ExecutionContext;
    const raw = { headers: { 'x-tenant-id': 'from-header' }, url: '/', hostname: 'localhost' };

    it('answers synchronously when the resolvers do', () => {
      expect(resolution().resolveNow(httpContext(raw))).toBe('from-header');
      expect(resolution([{ type: 'header', header: 'x-none' }]).resolveNow(httpContext(raw))).toBeUndefined();
    });

    it('continues after an async resolver with the next ones, in order', async () => {
      const chain = resolution([
        { type: 'custom', resolve: async () => undefined },
        { type: 'custom', resolve: () => '' },
        { type: 'header' },
      ]);
      const answer = chain.resolveNow(httpContext(raw));
      expect(answer).toBeInstanceOf(Promise);
      await expect(answer).resolves.toBe('from-header');
      await expect(
        resolution([{ type: 'custom', resolve: async () => 42 as unknown as string }]).resolveNow(httpContext(raw)),
      ).rejects.toBeInstanceOf(InvalidTenantIdError);
      expect(() =>
        resolution([{ type: 'custom', resolve: () => ({}) as unknown as string }]).resolveNow(httpContext(raw)),
      ).toThrow(InvalidTenantIdError);
    });
  });

  it.each([
    [[{ type: 'subdomain' }, { type: 'header' }], 'from-subdomain'],
    [[{ type: 'path' }, { type: 'header' }], 'from-path'],
    [[{ type: 'claim' }, { type: 'header' }], 'from-claim'],
    [[{ type: 'header', header: 'x-none' }, { type: 'claim' }, { type: 'path' }], 'from-claim'],
    [
      [
        { type: 'custom', resolve: () => undefined },
        { type: 'custom', resolve: async () => 'from-custom' },
        { type: 'header' },
      ],
      'from-custom',
    ],
    [[{ resolve: () => 'from-instance' }, { type: 'header' }], 'from-instance'],
  ] as [TenantResolverOption[], string][])(
    'tries resolvers in order, the first non-empty wins (%#)',
    async (resolvers, expected) => {
      await expect(resolution(resolvers).resolveRequest(request)).resolves.toBe(expected);
    },
  );

  it('does not call later resolvers once one matched', async () => {
    const later = jest.fn(() => 'later');
    await resolution([{ type: 'header' }, { type: 'custom', resolve: later }]).resolveRequest(request);
    expect(later).not.toHaveBeenCalled();
  });

  it('treats an empty string or null as nothing, and moves on', async () => {
    const resolvers: TenantResolverOption[] = [
      { type: 'custom', resolve: () => '' },
      { type: 'custom', resolve: () => null as never },
      { type: 'header' },
    ];
    await expect(resolution(resolvers).resolveRequest(request)).resolves.toBe('from-header');
  });

  it('resolves undefined when no resolver finds an id', async () => {
    await expect(resolution([{ type: 'header', header: 'x-none' }]).resolveRequest(request)).resolves.toBeUndefined();
  });

  it('rejects a resolver result that is not a string', async () => {
    await expect(resolution([{ type: 'custom', resolve: () => 42 as never }]).resolveRequest(request)).rejects.toThrow(
      InvalidTenantIdError,
    );
    await expect(
      resolution([{ type: 'custom', resolve: () => ({ id: 'x' }) as never }]).resolveRequest(request),
    ).rejects.toThrow(InvalidTenantIdError);
  });

  it('builds the resolvers once, at construction, not per request', async () => {
    const instance = { resolve: jest.fn(() => 'acme') };
    const service = resolution([{ type: 'header', header: 'x-none' }, instance]);
    const built = (service as unknown as { resolvers: unknown[] }).resolvers;
    for (let i = 0; i < 3; i++) await service.resolveRequest(request);
    expect((service as unknown as { resolvers: unknown[] }).resolvers).toBe(built);
    expect(built[1]).toBe(instance);
    expect(instance.resolve).toHaveBeenCalledTimes(3);
  });
});
