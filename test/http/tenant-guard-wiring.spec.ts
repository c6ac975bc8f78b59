import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  type INestApplication,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { TenantContext } from '../../lib/context/tenant-context.service';
import { CurrentTenant } from '../../lib/decorators/current-tenant.decorator';
import { SkipTenant } from '../../lib/decorators/skip-tenant.decorator';
import { TenantInactiveError } from '../../lib/errors/tenant-inactive.error';
import { TenantNotFoundError } from '../../lib/errors/tenant-not-found.error';
import { TenantGuard } from '../../lib/guards/tenant.guard';
import type { Tenant } from '../../lib/store/tenant.interface';
import { createHttpApp, expectTenancyError, HTTP_PLATFORMS, HTTP_SETUPS } from '../support/http-app';

const SYNC_AUTH = 'test:sync-auth';

/** An authentication guard as apps have them: synchronous on some routes, async (a token check) on others. */
@Injectable()
class FakeAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.get(SYNC_AUTH, context.getHandler())) return true;
    return new Promise((resolve) => setTimeout(() => resolve(true), 1));
  }
}

@SkipTenant()
@Controller()
class OpenController {
  constructor(private readonly tenantContext: TenantContext) {}

  @Get('open')
  open() {
    return { tenant: this.tenantContext.current()?.id ?? null };
  }
}

@Controller('guarded')
@UseGuards(FakeAuthGuard, TenantGuard)
class GuardedController {
  constructor(private readonly tenantContext: TenantContext) {}

  @SetMetadata(SYNC_AUTH, true)
  @Get('sync-auth')
  syncAuth() {
    return { tenant: this.tenantContext.current()?.id ?? null };
  }

  @Get('async-auth')
  asyncAuth() {
    return { tenant: this.tenantContext.current()?.id ?? null };
  }

  @SkipTenant()
  @SetMetadata(SYNC_AUTH, true)
  @Get('skipped')
  skipped() {
    return { tenant: this.tenantContext.current()?.id ?? null };
  }
}

/** A subclass using every hook, as a user would: tenant from `?tenant=`, `?public=1` skipped, 401 when missing, provisioning allowed. */
@Injectable()
class CustomTenantGuard extends TenantGuard {
  private url(context: ExecutionContext): string {
    const req = context.switchToHttp().getRequest<{ originalUrl?: string; url: string }>();
    return req.originalUrl ?? req.url;
  }

  protected override shouldSkip(context: ExecutionContext) {
    return this.url(context).includes('public=1') || super.shouldSkip(context);
  }

  protected override async resolveTenantId(context: ExecutionContext) {
    return new URLSearchParams(this.url(context).split('?')[1]).get('tenant') ?? undefined;
  }

  protected override async getTenant(tenantId: string, context: ExecutionContext): Promise<Tenant> {
    const tenant = await this.tenants.find(tenantId);
    return tenant?.status === 'provisioning' ? tenant : super.getTenant(tenantId, context);
  }

  protected override throwMissingTenant(): never {
    throw new UnauthorizedException('Choose a tenant.');
  }
}

/** docs/resolvers.md's recipe: inactive tenants answer like unknown ones (404), so answers reveal no ids. */
@Injectable()
class OpaqueTenantGuard extends TenantGuard {
  protected override async getTenant(tenantId: string, context: ExecutionContext): Promise<Tenant> {
    try {
      return await super.getTenant(tenantId, context);
    } catch (error) {
      if (error instanceof TenantInactiveError) throw new TenantNotFoundError(tenantId);
      throw error;
    }
  }
}

@Controller()
class WhoAmIController {
  @Get('whoami')
  whoami(@CurrentTenant('id') id: string) {
    return { id };
  }
}

/** GET over a keep-alive agent, so that successive requests share one socket. */
function get(
  app: INestApplication,
  agent: http.Agent,
  path: string,
  tenantId?: string,
): Promise<{ status: number; body: unknown }> {
  const { port } = app.getHttpServer().address() as AddressInfo;
  const headers = tenantId ? { 'x-tenant-id': tenantId } : {};
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

describe.each(HTTP_PLATFORMS)('TenantGuard wiring (%s)', (platform) => {
  it('works with globalGuard: false and @UseGuards(TenantGuard) on a controller; other routes need no tenant', async () => {
    const app = await createHttpApp({
      platform,
      globalGuard: false,
      controllers: [OpenController, GuardedController],
      providers: [FakeAuthGuard],
      clsMiddleware: true,
    });
    try {
      await request(app.getHttpServer()).get('/open').expect(200, { tenant: null });
      await request(app.getHttpServer())
        .get('/guarded/async-auth')
        .set('x-tenant-id', 'globex')
        .expect(200, { tenant: 'globex' });
      expectTenancyError(await request(app.getHttpServer()).get('/guarded/sync-auth'), 400, 'TENANT_REQUIRED');
    } finally {
      await app.close();
    }
  });

  it('lets a subclass override shouldSkip, resolveTenantId, getTenant and throwMissingTenant', async () => {
    const app = await createHttpApp({
      platform,
      appGuard: CustomTenantGuard,
      controllers: [OpenController, WhoAmIController],
    });
    try {
      const server = app.getHttpServer();
      await request(server).get('/open').expect(200, { tenant: null });
      // Skipped, so no tenant: @CurrentTenant() refuses (400), where the guard would have said 401.
      expectTenancyError(await request(server).get('/whoami?public=1'), 400, 'TENANT_REQUIRED');
      await request(server).get('/whoami?tenant=acme').expect(200, { id: 'acme' });
      await request(server).get('/whoami?tenant=hooli').expect(200, { id: 'hooli' });
      expectTenancyError(await request(server).get('/whoami?tenant=initech'), 403, 'TENANT_INACTIVE');
      const missing = await request(server).get('/whoami').set('x-tenant-id', 'acme');
      expect([missing.status, missing.body.message]).toEqual([401, 'Choose a tenant.']);
    } finally {
      await app.close();
    }
  });

  it('the docs recipe answers an inactive tenant like an unknown one (404)', async () => {
    const app = await createHttpApp({ platform, appGuard: OpaqueTenantGuard, controllers: [WhoAmIController] });
    try {
      const server = app.getHttpServer();
      await request(server).get('/whoami').set('x-tenant-id', 'acme').expect(200, { id: 'acme' });
      const inactive = await request(server).get('/whoami').set('x-tenant-id', 'initech');
      const unknown = await request(server).get('/whoami').set('x-tenant-id', 'nobody');
      expectTenancyError(inactive, 404, 'TENANT_NOT_FOUND');
      expectTenancyError(unknown, 404, 'TENANT_NOT_FOUND');
    } finally {
      await app.close();
    }
  });
});

describe.each(HTTP_SETUPS)(
  'TenantGuard on keep-alive connections ($platform, app cls middleware: $clsMiddleware)',
  ({ platform, clsMiddleware }) => {
    let app: INestApplication;
    let globalApp: INestApplication;
    let agent: http.Agent;

    beforeAll(async () => {
      app = await createHttpApp({
        platform,
        clsMiddleware,
        globalGuard: false,
        controllers: [GuardedController],
        providers: [FakeAuthGuard],
      });
      globalApp = await createHttpApp({ platform, clsMiddleware, controllers: [OpenController, WhoAmIController] });
    });
    afterAll(() => Promise.all([app?.close(), globalApp?.close()]));
    beforeEach(() => {
      agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    });
    afterEach(() => agent.destroy());

    it('never hands a request the tenant of the previous request on the same socket', async () => {
      // The first request enters its context synchronously on the connection's
      // async resource; the second's TenantGuard runs after an async guard, so
      // what it enters cannot reach the handler. Without the app's CLS
      // middleware the handler then finds no tenant, but never acme.
      expect(await get(app, agent, '/guarded/sync-auth', 'acme')).toEqual({ status: 200, body: { tenant: 'acme' } });
      expect(await get(app, agent, '/guarded/async-auth', 'globex')).toEqual({
        status: 200,
        body: { tenant: clsMiddleware ? 'globex' : null },
      });
      expect(await get(app, agent, '/guarded/sync-auth', 'globex')).toEqual({
        status: 200,
        body: { tenant: 'globex' },
      });
      expect(await get(app, agent, '/guarded/sync-auth', 'acme')).toEqual({ status: 200, body: { tenant: 'acme' } });
    });

    it('gives a @SkipTenant() route after a tenant request on the same socket no tenant (global guard)', async () => {
      expect(await get(globalApp, agent, '/whoami', 'acme')).toEqual({ status: 200, body: { id: 'acme' } });
      expect(await get(globalApp, agent, '/open')).toEqual({ status: 200, body: { tenant: null } });
      expect(await get(globalApp, agent, '/whoami')).toMatchObject({ status: 400, body: { error: 'TENANT_REQUIRED' } });
    });

    it('gives a @SkipTenant() route after a tenant request on the same socket no tenant (guard after an async guard)', async () => {
      expect(await get(app, agent, '/guarded/sync-auth', 'acme')).toEqual({ status: 200, body: { tenant: 'acme' } });
      expect(await get(app, agent, '/guarded/skipped')).toEqual({ status: 200, body: { tenant: null } });
    });

    it('gives a request that fails tenant resolution no leftover tenant', async () => {
      expect(await get(app, agent, '/guarded/sync-auth', 'acme')).toMatchObject({ status: 200 });
      expect(await get(app, agent, '/guarded/sync-auth', 'nope')).toMatchObject({
        status: 404,
        body: { error: 'TENANT_NOT_FOUND' },
      });
      expect(await get(app, agent, '/guarded/async-auth', 'globex')).toEqual({
        status: 200,
        body: { tenant: clsMiddleware ? 'globex' : null },
      });
    });
  },
);
