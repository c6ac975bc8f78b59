import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TenantContext } from '../../lib/context/tenant-context.service';
import { CurrentTenant } from '../../lib/decorators/current-tenant.decorator';
import { SkipTenant } from '../../lib/decorators/skip-tenant.decorator';
import type { Tenant } from '../../lib/store/tenant.interface';
import { CountingTenantStore, createHttpApp, expectTenancyError, HTTP_SETUPS } from '../support/http-app';

@Controller()
class TenantRoutesController {
  constructor(private readonly tenantContext: TenantContext) {}

  @Get('tenant')
  tenant(@CurrentTenant() tenant: Tenant) {
    return tenant;
  }

  @Get('tenant-id')
  tenantId(@CurrentTenant('id') id: string) {
    return { id, fromContext: this.tenantContext.tenantId };
  }

  @SkipTenant()
  @Get('health')
  health() {
    return { ok: true, tenant: this.tenantContext.current()?.id ?? null };
  }

  @SkipTenant()
  @Get('skipped-but-asks')
  skippedButAsks(@CurrentTenant() tenant: Tenant) {
    return tenant;
  }

  @Get(':tenant/things')
  things(@CurrentTenant('id') id: string) {
    return { id };
  }
}

@SkipTenant()
@Controller('public')
class PublicController {
  @Get()
  index() {
    return { ok: true };
  }

  @SkipTenant(false)
  @Get('private')
  private(@CurrentTenant('id') id: string) {
    return { id };
  }
}

// Strings a client may send as a tenant id that must be refused before any lookup.
const MALFORMED_IDS: [string, string][] = [
  ['an SQL fragment', "a'; DROP TABLE x;--"],
  ['10,000 characters', 'a'.repeat(10_000)],
  ['64 characters (one over the limit)', 'a'.repeat(64)],
  ['a latin-1 letter', 'café'],
  ['inner whitespace', 'ac me'],
  ['a relative path', '../..'],
  ['a leading dash', '-acme'],
  ['a comma list', 'acme,globex'],
  ['a percent-escape', 'ac%6De'],
  ['a JSON object', '{"id":"acme"}'],
];

// The same through the path resolver, which percent-decodes: unicode reaches validation as such.
const MALFORMED_PATH_SEGMENTS: [string, string][] = [
  ['an emoji', '%F0%9F%98%80'],
  ['full-width letters', '%EF%BD%81%EF%BD%83%EF%BD%8D%EF%BD%85'],
  ['an encoded relative path', '..%2F..'],
  ['an encoded NUL', 'acme%00'],
  ['an encoded SQL fragment', "a'%3B%20DROP%20TABLE%20x%3B--"],
  // Longer segments are refused by Fastify itself (414, maxParamLength 100); the header covers 10,000.
  ['99 characters', 'a'.repeat(99)],
];

describe.each(HTTP_SETUPS)(
  'TenantGuard over HTTP ($platform, app cls middleware: $clsMiddleware)',
  ({ platform, clsMiddleware }) => {
    let app: INestApplication;
    let pathApp: INestApplication;
    const store = new CountingTenantStore();
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      app = await createHttpApp({
        platform,
        clsMiddleware,
        store,
        controllers: [TenantRoutesController, PublicController],
      });
      pathApp = await createHttpApp({
        platform,
        clsMiddleware,
        store,
        resolvers: [{ type: 'path' }],
        controllers: [TenantRoutesController],
      });
    });
    afterAll(() => Promise.all([app?.close(), pathApp?.close()]));
    beforeEach(() => {
      store.calls.length = 0;
    });

    describe('statuses', () => {
      it('lets an active tenant through and hands it to @CurrentTenant() and TenantContext', async () => {
        await http()
          .get('/tenant')
          .set('x-tenant-id', 'acme')
          .expect(200, { id: 'acme', status: 'active', name: 'Acme' });
        await http()
          .get('/tenant-id')
          .set('x-tenant-id', 'globex')
          .expect(200, { id: 'globex', fromContext: 'globex' });
      });

      it('answers 400 TENANT_REQUIRED when the request names no tenant', async () => {
        expectTenancyError(await http().get('/tenant'), 400, 'TENANT_REQUIRED');
      });

      it('answers 404 TENANT_NOT_FOUND for a well-formed unknown id', async () => {
        expectTenancyError(await http().get('/tenant').set('x-tenant-id', 'nope'), 404, 'TENANT_NOT_FOUND');
        expect(store.calls).toEqual(['nope']);
      });

      it.each(['initech', 'hooli', 'umbrella', 'soylent'])(
        'answers 403 TENANT_INACTIVE for a tenant that is not active (%s)',
        async (id) => {
          const res = await http().get('/tenant').set('x-tenant-id', id);
          expectTenancyError(res, 403, 'TENANT_INACTIVE');
          // Nothing about any other tenant.
          for (const other of ['acme', 'globex', 'initech', 'hooli', 'umbrella', 'soylent'].filter((t) => t !== id))
            expect(res.text).not.toContain(other);
        },
      );
    });

    describe('malformed ids: 400 TENANT_ID_INVALID, never looked up, never echoed', () => {
      it.each(MALFORMED_IDS)('in the header: %s', async (_name, id) => {
        const res = await http().get('/tenant').set('x-tenant-id', id);
        expectTenancyError(res, 400, 'TENANT_ID_INVALID');
        expect(res.text).not.toContain(id);
        expect(store.calls).toEqual([]);
      });

      it.each(MALFORMED_PATH_SEGMENTS)('in the path: %s', async (_name, segment) => {
        const res = await request(pathApp.getHttpServer()).get(`/${segment}/things`);
        expectTenancyError(res, 400, 'TENANT_ID_INVALID');
        expect(res.text).not.toContain(decodeURIComponent(segment));
        expect(store.calls).toEqual([]);
      });

      it.each([
        ['empty', ''],
        ['only whitespace (trimmed away by the HTTP parser)', '   '],
      ])(
        'an %s header names no tenant: 400 TENANT_ID_INVALID (not a fall-through to the next resolver), no lookup',
        async (_name, id) => {
          expectTenancyError(await http().get('/tenant').set('x-tenant-id', id), 400, 'TENANT_ID_INVALID');
          expect(store.calls).toEqual([]);
        },
      );
    });

    describe('@SkipTenant()', () => {
      it('lets a skipped route through without a tenant, and does not resolve one even when given', async () => {
        await http().get('/health').expect(200, { ok: true, tenant: null });
        await http().get('/health').set('x-tenant-id', 'acme').expect(200, { ok: true, tenant: null });
        await http().get('/health').set('x-tenant-id', "'; DROP TABLE x;--").expect(200, { ok: true, tenant: null });
        expect(store.calls).toEqual([]);
      });

      it('applies to every route of a skipped controller, and @SkipTenant(false) on a method overrides it', async () => {
        await http().get('/public').expect(200, { ok: true });
        expectTenancyError(await http().get('/public/private'), 400, 'TENANT_REQUIRED');
        await http().get('/public/private').set('x-tenant-id', 'acme').expect(200, { id: 'acme' });
      });

      it('@CurrentTenant() on a skipped route answers 400 TENANT_REQUIRED rather than undefined', async () => {
        expectTenancyError(await http().get('/skipped-but-asks').set('x-tenant-id', 'acme'), 400, 'TENANT_REQUIRED');
      });
    });
  },
);
