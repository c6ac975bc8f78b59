import { Controller, Get, type INestApplication, Req } from '@nestjs/common';
import request from 'supertest';
import { currentTenantId, SkipTenant } from '../../lib';
import { createHttpApp, HTTP_SETUPS } from '../support/http-app';

// Requests the controller saw, kept past their response.
const seen = new Map<string, object>();

@Controller()
class RequestKeepingController {
  @Get('keep')
  keep(@Req() req: object & { headers: Record<string, string> }) {
    seen.set(req.headers['x-request-key'], req);
    return { now: currentTenantId() ?? null };
  }

  @SkipTenant()
  @Get('public')
  public(@Req() req: object & { headers: Record<string, string> }) {
    seen.set(req.headers['x-request-key'], req);
    return { now: currentTenantId() ?? null };
  }
}

describe.each(HTTP_SETUPS)('currentTenantId ($platform, app CLS middleware: $clsMiddleware)', (setup) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createHttpApp({ ...setup, controllers: [RequestKeepingController] });
  });
  afterAll(() => app?.close());

  it("reads the active context's tenant inside a request, and a given request's tenant from anywhere", async () => {
    seen.clear();
    const sent = Array.from({ length: 10 }, (_, i) => ({ key: `r${i}`, tenant: i % 2 ? 'globex' : 'acme' }));
    const answers = await Promise.all(
      sent.map(({ key, tenant }) =>
        request(app.getHttpServer()).get('/keep').set('x-tenant-id', tenant).set('x-request-key', key),
      ),
    );
    for (const [i, { key, tenant }] of sent.entries()) {
      expect(answers[i].body).toEqual({ now: tenant });
      // After the response, outside any request context: read from the request's own.
      expect(currentTenantId(seen.get(key)!)).toBe(tenant);
    }
    expect(currentTenantId()).toBeUndefined();
  });

  it('is undefined without a tenant: skipped routes, unknown requests', async () => {
    const answer = await request(app.getHttpServer()).get('/public').set('x-request-key', 'p');
    expect(answer.body).toEqual({ now: null });
    expect(currentTenantId(seen.get('p')!)).toBeUndefined();
    expect(currentTenantId({})).toBeUndefined();
  });
});
