import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { TenantAwareLogger } from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';
import { HTTP_PLATFORMS } from '../support/http-app';
import { bootLoggingApp, otherTenant, sendInterleaved } from './logging-app';

/** Collects what is written to stdout and stderr (ConsoleLogger writes there), without passing it on. */
function captureOutput(): { lines: () => string[]; restore: () => void } {
  const chunks: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const collect = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  process.stdout.write = collect as typeof process.stdout.write;
  process.stderr.write = collect as typeof process.stderr.write;
  return {
    lines: () => chunks.join('').split('\n').filter(Boolean),
    restore: () => {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    },
  };
}

describe.each(HTTP_PLATFORMS)('TenantAwareLogger (Nest ConsoleLogger) on %s', (platform) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  describe.each([
    { mode: 'text', json: false },
    { mode: 'json', json: true },
  ])('in $mode mode', ({ json }) => {
    let app: INestApplication;
    let output: ReturnType<typeof captureOutput>;

    beforeAll(async () => {
      output = captureOutput();
      app = await bootLoggingApp({
        platform,
        databaseUrl: db.appUrl,
        configure: (nest) => nest.useLogger(new TenantAwareLogger({ json, colors: false })),
      });
    });
    afterAll(async () => {
      await app?.close();
      output?.restore();
    });

    /** Each line as { text, tenantId }: the tag in text mode, the field in JSON mode. */
    const parsed = () =>
      output.lines().map((text) => {
        if (json) return { text, tenantId: (JSON.parse(text) as { tenantId?: string }).tenantId };
        return { text, tenantId: /\[tenant:([a-z0-9-]+)\]/.exec(text)?.[1] };
      });

    it("puts the request's tenant on every line written during interleaved requests of two tenants, never the other's", async () => {
      const tenants = await sendInterleaved(app);
      const lines = parsed();
      for (const [n, tenant] of tenants) {
        const mine = lines.filter(({ text }) => new RegExp(`(handler|work) ${n}\\b`).test(text));
        // The controller's line and the service's two (log and warn).
        expect(mine).toHaveLength(3);
        for (const line of mine) {
          expect(line.tenantId).toBe(tenant);
          expect(line.text).not.toContain(otherTenant(tenant));
        }
      }
    });

    it('leaves lines outside a tenant as they were: boot, @SkipTenant routes, code outside requests', async () => {
      await request(app.getHttpServer()).get('/public').expect(200);
      new Logger('Outside').log('no request here');
      const lines = parsed();
      const untagged = lines.filter(({ text }) =>
        /public route|no request here|Nest application successfully/.test(text),
      );
      expect(untagged.length).toBeGreaterThanOrEqual(3);
      for (const line of untagged) expect(line.tenantId).toBeUndefined();
      if (!json) expect(untagged[0].text).toMatch(/LOG \[(NestApplication|WorkController|Outside)\] (?!\[tenant)/);
    });
  });
});
