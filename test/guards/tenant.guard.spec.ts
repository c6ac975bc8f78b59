import { Controller, Get } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { CLS_REQ, ClsModule, ClsServiceManager, ContextClsStoreMap } from 'nestjs-cls';
import { TenantContext } from '../../lib/context/tenant-context.service';
import { MissingTenantError } from '../../lib/errors/missing-tenant.error';
import { TenancyError } from '../../lib/errors/tenancy.error';
import { enterRequestContext } from '../../lib/guards/request-context';
import { TenantGuard } from '../../lib/guards/tenant.guard';
import { resolveTenancyOptions } from '../../lib/options/tenancy-options.validator';
import { TenantResolution } from '../../lib/resolvers/tenant-resolution.service';
import { TenantCache } from '../../lib/store/tenant-cache.service';
import { TENANCY_RESOLVED_OPTIONS } from '../../lib/tenancy.internal-constants';

@Controller()
class SomeController {
  @Get()
  handle() {
    return 'ok';
  }
}

describe('TenantGuard outside HTTP', () => {
  let guard: TenantGuard;
  let context: TenantContext;

  beforeAll(async () => {
    const options = resolveTenancyOptions({
      strategy: 'rls',
      databaseUrl: 'postgresql://unused@localhost/unused',
      createClient: () => ({}),
      tenants: [{ id: 'acme', status: 'active' }],
      // None: the defaults serve every context type; this checks a type without one.
      entryPoints: [],
    });
    const moduleRef = await Test.createTestingModule({
      imports: [ClsModule.forFeature()],
      providers: [
        { provide: TENANCY_RESOLVED_OPTIONS, useValue: options },
        TenantCache,
        TenantContext,
        TenantResolution,
        TenantGuard,
      ],
    }).compile();
    guard = moduleRef.get(TenantGuard);
    context = moduleRef.get(TenantContext);
  });

  function contextOf(type: string, args: unknown[] = [{}, {}]) {
    const context = new ExecutionContextHost(args, SomeController, SomeController.prototype.handle);
    context.setType(type);
    return context;
  }

  it.each(['rpc', 'ws', 'graphql'])('lets a %s context through untouched: no resolution, no CLS context', (type) => {
    expect(guard.canActivate(contextOf(type))).toBe(true);
    expect(ClsServiceManager.getClsService().isActive()).toBe(false);
  });

  it('refuses an HTTP context that names no tenant', async () => {
    const request = { headers: {}, url: '/', hostname: 'localhost' };
    await expect(
      ClsServiceManager.getClsService().run(() => guard.canActivate(contextOf('http', [request, {}]))),
    ).rejects.toThrow(MissingTenantError);
  });

  // The hot path: a header naming a cached active tenant needs no promise,
  // so Nest's GuardsConsumer takes the boolean without awaiting. The first
  // request of a tenant waits for the lookup; refusals are always rejections.
  it('answers synchronously for a cached tenant, with a promise for the first lookup, and rejects refusals', async () => {
    const cls = ClsServiceManager.getClsService();
    const request = (tenant: string) => ({ headers: { 'x-tenant-id': tenant }, url: '/', hostname: 'localhost' });
    const first = cls.run(() => {
      const answer = guard.canActivate(contextOf('http', [request('acme'), {}]));
      expect(answer).toBeInstanceOf(Promise);
      return answer;
    });
    await expect(first).resolves.toBe(true);
    cls.run(() => {
      expect(guard.canActivate(contextOf('http', [request('acme'), {}]))).toBe(true);
      expect(context.tenantId).toBe('acme');
    });
    for (const bad of ['ACME', 'nobody', 'acme_'])
      await expect(cls.run(() => guard.canActivate(contextOf('http', [request(bad), {}])))).rejects.toBeInstanceOf(
        TenancyError,
      );
  });
});

// The store the guard puts the tenant in, when the package's request hook
// recorded one for the request and another context is active (an app's own
// nestjs-cls copy nests one per request). Only a store opened for this very
// request object is kept; any other active store (one left from an earlier
// request on the socket) gives way to the request's own.
describe('enterRequestContext: which store an HTTP request gets', () => {
  const cls = () => ClsServiceManager.getClsService();
  const httpContext = (request: object) => {
    const context = new ExecutionContextHost([request, {}], SomeController, SomeController.prototype.handle);
    context.setType('http');
    return context;
  };

  it.each([
    ['this very request (Express)', true, (req: object) => req],
    ['this very request (Fastify: the raw Node request)', true, (req: { raw: object }) => req.raw],
    ['an earlier request on the socket', false, () => ({ headers: {} })],
    ['no request at all', false, () => undefined],
  ])('an active store whose CLS_REQ is %s: kept %s', (_name, kept, recordedOf) => {
    const request = { raw: { headers: {} }, headers: {} };
    const context = httpContext(request);
    cls().run(() => {
      const hookStore = cls().get();
      ContextClsStoreMap.set(context, hookStore);
      cls().run({ ifNested: 'override' }, () => {
        const recorded = recordedOf(request as never);
        if (recorded !== undefined) cls().set(CLS_REQ, recorded);
        const nested = cls().get();
        enterRequestContext(context);
        expect(cls().get()).toBe(kept ? nested : hookStore);
        expect(ContextClsStoreMap.get(context)).toBe(kept ? nested : hookStore);
      });
    });
  });
});
