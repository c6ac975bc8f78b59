import { Injectable, type INestApplication } from '@nestjs/common';
import { InjectPinoLogger, Logger as PinoNestLogger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { Writable } from 'node:stream';
import request from 'supertest';
import { currentTenantId } from '../../lib';
import { createTestDatabase, type TestDatabase } from '../support';
import { HTTP_PLATFORMS } from '../support/http-app';
import { bootLoggingApp, otherTenant, sendInterleaved, WorkService } from './logging-app';

interface PinoLine {
  msg: string;
  tenantId?: string;
  req?: { url: string; headers: Record<string, string> };
  [key: string]: unknown;
}

/** pino's destination: every JSON line it writes. */
function collectingStream(): { stream: Writable; lines: () => PinoLine[]; raw: () => string[]; clear: () => void } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  const raw = () => written.join('').split('\n').filter(Boolean);
  return {
    stream,
    raw,
    lines: () => raw().map((line) => JSON.parse(line) as PinoLine),
    clear: () => void written.splice(0),
  };
}

/** A service logging through nestjs-pino's PinoLogger, beside WorkService's Nest Logger. */
@Injectable()
class AuditService {
  constructor(@InjectPinoLogger(AuditService.name) private readonly logger: PinoLogger) {}

  audit(n: number): void {
    this.logger.info(`audit ${n}`);
  }
}

// nestjs-pino builds one pino-http instance per process, from the first
// app's options: both apps below write to this stream.
const out = collectingStream();

describe.each(HTTP_PLATFORMS)('nestjs-pino with the tenant from CLS on %s', (platform) => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    out.clear();
    db = await createTestDatabase();
    app = await bootLoggingApp({
      platform,
      databaseUrl: db.appUrl,
      imports: [
        LoggerModule.forRoot({
          // On Fastify, nestjs-pino 5.2's default route ('{/*splat}') matches no request under
          // @nestjs/platform-fastify 12.5: no request line, no request context. A wildcard does.
          ...(platform === 'fastify' ? { forRoutes: ['{*path}'] } : {}),
          pinoHttp: [
            {
              // The recipe of docs/observability.md.
              mixin: () => {
                const tenantId = currentTenantId();
                return tenantId === undefined ? {} : { tenantId };
              },
            },
            out.stream,
          ],
        }),
      ],
      providers: [AuditService],
      configure: (nest) => {
        nest.useLogger(nest.get(PinoNestLogger));
        // The service logs through PinoLogger too: audit after each work().
        const audit = nest.get(AuditService);
        const work = nest.get(WorkService);
        const original = work.work.bind(work);
        work.work = async (n: number) => {
          const result = await original(n);
          audit.audit(n);
          return result;
        };
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('puts the tenant on the request line and on every line services write, for two tenants interleaved', async () => {
    const tenants = await sendInterleaved(app);
    const lines = out.lines();
    for (const [n, tenant] of tenants) {
      const completed = lines.filter((line) => line.req?.url === `/work?n=${n}` && line.msg === 'request completed');
      const written = lines.filter((line) => new RegExp(`^(handler|work|audit) ${n}\\b`).test(line.msg));
      expect(completed).toHaveLength(1);
      expect(written.map((line) => line.msg.split(' ')[0]).sort()).toEqual(['audit', 'handler', 'work', 'work']);
      for (const line of [...completed, ...written]) {
        expect(line.tenantId).toBe(tenant);
        expect(JSON.stringify(line)).not.toContain(otherTenant(tenant));
      }
    }
    // One tenantId per line, even on the request line (no duplicate keys in the JSON).
    for (const raw of out.raw()) expect(raw.match(/"tenantId"/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it('writes no tenant on lines outside a tenant', async () => {
    await request(app.getHttpServer()).get('/public').expect(200);
    const lines = out.lines().filter((line) => line.msg === 'public route' || line.req?.url === '/public');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.tenantId).toBeUndefined();
  });
});
