import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { CurrentTenant } from '../../lib/decorators/current-tenant.decorator';
import type { TenantResolverOption } from '../../lib/options/tenancy-options.interface';
import type { Tenant } from '../../lib/store/tenant.interface';
import { createHttpApp, expectTenancyError, HTTP_PLATFORMS, type HttpPlatform } from '../support/http-app';
import { rawRequest } from './raw-request';

@Controller()
class WhoAmIController {
  @Get('whoami')
  whoami(@CurrentTenant() tenant: Tenant) {
    return tenant;
  }

  @Get(':tenant/projects')
  projects(@CurrentTenant('id') id: string) {
    return { id };
  }
}

// Catch-all routes, so a path with an empty segment reaches the guard (each
// platform has its own wildcard syntax).
@Controller('files')
class ExpressFilesController {
  @Get('*rest') files(@CurrentTenant('id') id: string) {
    return { id };
  }
}
@Controller('files')
class FastifyFilesController {
  @Get('*') files(@CurrentTenant('id') id: string) {
    return { id };
  }
}

// superagent sends an array as one header line per value; its types only admit a string.
const twice = (a: string, b: string) => [a, b] as unknown as string;

// Stands in for authentication that ran before the guard: `x-user` carries req.user as JSON.
function fakeAuthentication(app: INestApplication): void {
  app.use((req: { headers: Record<string, string>; user?: unknown }, _res: unknown, next: () => void) => {
    if (req.headers['x-user']) req.user = JSON.parse(req.headers['x-user']);
    next();
  });
}

describe.each(HTTP_PLATFORMS)('tenant resolution over HTTP (%s)', (platform: HttpPlatform) => {
  const apps: INestApplication[] = [];
  const boot = async (resolvers?: TenantResolverOption[]) => {
    const app = await createHttpApp({
      platform,
      resolvers,
      controllers: [WhoAmIController, platform === 'fastify' ? FastifyFilesController : ExpressFilesController],
      configure: fakeAuthentication,
    });
    apps.push(app);
    return request(app.getHttpServer());
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  describe('header', () => {
    it('reads x-tenant-id by default and hands the whole tenant to @CurrentTenant()', async () => {
      const res = await (await boot()).get('/whoami').set('x-tenant-id', 'acme').expect(200);
      expect(res.body).toEqual({ id: 'acme', status: 'active', name: 'Acme' });
    });

    it('reads a configured header, case-insensitively', async () => {
      await (
        await boot([{ type: 'header', header: 'X-Org' }])
      )
        .get('/whoami')
        .set('x-org', 'globex')
        .expect(200, { id: 'globex', status: 'active', name: 'Globex' });
    });

    it('rejects a header sent twice (400 TENANT_ID_INVALID), even when both values are valid', async () => {
      const res = await (await boot()).get('/whoami').set('x-tenant-id', twice('acme', 'globex'));
      expectTenancyError(res, 400, 'TENANT_ID_INVALID');
    });
  });

  describe('subdomain', () => {
    const resolvers: TenantResolverOption[] = [{ type: 'subdomain', baseDomain: 'example.com' }];

    it.each(['globex.example.com', 'globex.example.com:8080', 'GLOBEX.Example.COM'])(
      'reads the tenant from Host %s',
      async (host) => {
        const res = await (await boot(resolvers)).get('/whoami').set('Host', host).expect(200);
        expect(res.body.id).toBe('globex');
      },
    );

    it.each(['www.example.com', 'example.com', 'acme.other.org', '127.0.0.1', '[::1]:3000', 'a.acme.example.com'])(
      'finds no tenant in Host %s (400 TENANT_REQUIRED)',
      async (host) => {
        expectTenancyError(await (await boot(resolvers)).get('/whoami').set('Host', host), 400, 'TENANT_REQUIRED');
      },
    );
  });

  describe('path', () => {
    it('reads segment 0 by default, percent-decoded', async () => {
      const http = await boot([{ type: 'path' }]);
      await http.get('/acme/projects').expect(200, { id: 'acme' });
      await http.get('/gl%6Fbex/projects').expect(200, { id: 'globex' });
    });

    it('answers 400, not 500, for a malformed percent-escape', async () => {
      // Express and Fastify already reject it while matching the route (their own
      // 400); the resolver's own handling is covered in test/resolvers.
      const res = await (await boot([{ type: 'path' }])).get('/%E0%A4%A/projects');
      expect([res.status, res.body.statusCode]).toEqual([400, 400]);
      expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
    });
  });

  describe('claim', () => {
    it('reads tenantId from req.user by default, a dot path when configured', async () => {
      await (
        await boot([{ type: 'claim' }])
      )
        .get('/whoami')
        .set('x-user', JSON.stringify({ tenantId: 'acme' }))
        .expect(200);
      const res = await (
        await boot([{ type: 'claim', claim: 'org.tenant' }])
      )
        .get('/whoami')
        .set('x-user', JSON.stringify({ org: { tenant: 'globex' } }));
      expect(res.body.id).toBe('globex');
    });

    it('finds no tenant without a user (400 TENANT_REQUIRED), rejects a non-string claim (400 TENANT_ID_INVALID)', async () => {
      const http = await boot([{ type: 'claim' }]);
      expectTenancyError(await http.get('/whoami'), 400, 'TENANT_REQUIRED');
      expectTenancyError(
        await http.get('/whoami').set('x-user', JSON.stringify({ tenantId: ['acme'] })),
        400,
        'TENANT_ID_INVALID',
      );
    });
  });

  describe('custom', () => {
    it('uses a function of the normalized request, and a TenantResolver instance', async () => {
      // `path` has no query string; the platform's request still has it.
      const resolve = (r: { raw: unknown }) =>
        new URLSearchParams((r.raw as { url: string }).url.split('?')[1]).get('t') ?? undefined;
      const res = await (await boot([{ type: 'custom', resolve }])).get('/whoami?t=globex').expect(200);
      expect(res.body.id).toBe('globex');
      await (
        await boot([{ resolve: async () => 'acme' }])
      )
        .get('/whoami')
        .expect(200, { id: 'acme', status: 'active', name: 'Acme' });
    });
  });

  describe('order', () => {
    const resolvers: TenantResolverOption[] = [
      { type: 'subdomain', baseDomain: 'example.com' },
      { type: 'header' },
      { type: 'claim' },
    ];

    it('takes the first resolver that finds an id, and falls through the ones that do not', async () => {
      const http = await boot(resolvers);
      const user = JSON.stringify({ tenantId: 'globex' });
      expect(
        (await http.get('/whoami').set('Host', 'acme.example.com').set('x-tenant-id', 'globex').set('x-user', user))
          .body.id,
      ).toBe('acme');
      expect(
        (await http.get('/whoami').set('Host', 'example.com').set('x-tenant-id', 'acme').set('x-user', user)).body.id,
      ).toBe('acme');
      expect((await http.get('/whoami').set('Host', 'example.com').set('x-user', user)).body.id).toBe('globex');
    });

    it('stops at an earlier resolver that rejects the request, rather than falling through', async () => {
      const http = await boot(resolvers);
      const res = await http
        .get('/whoami')
        .set('Host', 'example.com')
        .set('x-tenant-id', twice('acme', 'acme'))
        .set('x-user', JSON.stringify({ tenantId: 'globex' }));
      expectTenancyError(res, 400, 'TENANT_ID_INVALID');
    });
  });

  // A source that is there but names no usable tenant stops resolution with 400:
  // trying the next resolver would let a less trusted source (a header anyone can
  // send) choose the tenant the token, the header or the URL did not.
  describe('present but unusable stops resolution (400 TENANT_ID_INVALID)', () => {
    it.each([
      ['null', { tenantId: null }],
      ['empty', { tenantId: '' }],
      ['a number', { tenantId: 7 }],
      ['an array', { tenantId: ['acme'] }],
      ['an object', { tenantId: { id: 'acme' } }],
    ])('[claim, header]: a claim that is %s never lets the header pick the tenant', async (_what, user) => {
      const http = await boot([{ type: 'claim' }, { type: 'header' }]);
      expectTenancyError(
        await http.get('/whoami').set('x-user', JSON.stringify(user)).set('x-tenant-id', 'globex'),
        400,
        'TENANT_ID_INVALID',
      );
      // Without the claim, the header is used, as configured.
      expect(
        (
          await http
            .get('/whoami')
            .set('x-user', JSON.stringify({ sub: 'u1' }))
            .set('x-tenant-id', 'globex')
        ).body.id,
      ).toBe('globex');
    });

    it('[header, claim]: an empty header, or one sent empty and with a value, never lets the claim pick', async () => {
      const http = await boot([{ type: 'header' }, { type: 'claim' }]);
      const user = JSON.stringify({ tenantId: 'globex' });
      expectTenancyError(
        await http.get('/whoami').set('x-tenant-id', '').set('x-user', user),
        400,
        'TENANT_ID_INVALID',
      );
      expectTenancyError(
        await http.get('/whoami').set('x-tenant-id', twice('', 'acme')).set('x-user', user),
        400,
        'TENANT_ID_INVALID',
      );
      expect((await http.get('/whoami').set('x-user', user)).body.id).toBe('globex');
    });

    it('[path, header]: an empty path segment never lets the header pick', async () => {
      const http = await boot([{ type: 'path', segment: 1 }, { type: 'header' }]);
      await http.get('/files/acme/report').set('x-tenant-id', 'globex').expect(200, { id: 'acme' });
      expectTenancyError(await http.get('/files//report').set('x-tenant-id', 'globex'), 400, 'TENANT_ID_INVALID');
    });

    it('[subdomain, header]: an empty tenant label never lets the header pick', async () => {
      const http = await boot([{ type: 'subdomain', baseDomain: 'example.com' }, { type: 'header' }]);
      expectTenancyError(
        await http.get('/whoami').set('Host', '.example.com').set('x-tenant-id', 'globex'),
        400,
        'TENANT_ID_INVALID',
      );
      // The bare base domain names no tenant: the header is used.
      expect((await http.get('/whoami').set('Host', 'example.com').set('x-tenant-id', 'globex')).body.id).toBe(
        'globex',
      );
    });
  });

  // supertest cannot send an absolute-form target nor two Host headers: raw socket.
  describe('subdomain: the request target and Host must agree', () => {
    const resolvers: TenantResolverOption[] = [{ type: 'subdomain', baseDomain: 'example.com' }, { type: 'header' }];
    const bootRaw = async () => {
      await boot(resolvers);
      return apps[apps.length - 1];
    };

    it('refuses GET http://globex.example.com/whoami with Host: acme.example.com (400), whatever the header says', async () => {
      const app = await bootRaw();
      for (const target of [
        'http://globex.example.com/whoami',
        'http://evil.example.com/whoami',
        'http://evil.org:8080/whoami?x=1',
      ]) {
        const res = await rawRequest(app, [`GET ${target} HTTP/1.1`, 'Host: acme.example.com', 'x-tenant-id: acme']);
        expect({ status: res.status, error: JSON.parse(res.body).error }).toEqual({
          status: 400,
          error: 'TENANT_ID_INVALID',
        });
        expect(res.body).not.toContain('acme');
      }
    });

    it('accepts an absolute-form target naming the Host it was sent with', async () => {
      const res = await rawRequest(await bootRaw(), [
        'GET http://acme.example.com/whoami HTTP/1.1',
        'Host: acme.example.com',
      ]);
      expect([res.status, JSON.parse(res.body).id]).toEqual([200, 'acme']);
    });

    it('refuses two Host headers (400), instead of taking the first as Node does', async () => {
      const res = await rawRequest(await bootRaw(), [
        'GET /whoami HTTP/1.1',
        'Host: acme.example.com',
        'Host: globex.example.com',
      ]);
      expect({ status: res.status, error: JSON.parse(res.body).error }).toEqual({
        status: 400,
        error: 'TENANT_ID_INVALID',
      });
    });
  });
});
