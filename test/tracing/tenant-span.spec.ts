import { AsyncLocalStorage } from 'node:async_hooks';
import { Controller, Get, type INestApplication, Query } from '@nestjs/common';
import {
  type Attributes,
  context,
  type Context,
  type ContextManager,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  trace,
  type Tracer,
  TraceFlags,
} from '@opentelemetry/api';
import request from 'supertest';
import { SkipTenant, TENANT_SPAN_ATTRIBUTE } from '../../lib';
import { createHttpApp, HTTP_SETUPS } from '../support/http-app';

// @opentelemetry/sdk-trace-base is not installed: the smallest real
// implementations of the API's interfaces, registered globally through the
// API as an SDK registers its own.

/** Keeps the active context in an AsyncLocalStorage, as @opentelemetry/context-async-hooks does. */
class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    return ((...args: unknown[]) => this.with(ctx, target as (...a: unknown[]) => unknown, undefined, ...args)) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** A recording span that keeps its attributes. */
class RecordingSpan implements Span {
  readonly attributes: Attributes = {};
  ended = false;
  constructor(readonly name: string) {}
  spanContext(): SpanContext {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  }
  setAttribute(key: string, value: Attributes[string]): this {
    if (value !== undefined) this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(): void {}
}

const spans: RecordingSpan[] = [];
const tracer = {
  startSpan(name: string): Span {
    const span = new RecordingSpan(name);
    spans.push(span);
    return span;
  },
  startActiveSpan(): never {
    throw new Error('not used by these tests');
  },
} as Tracer;

@Controller()
class TracedController {
  @Get('traced')
  traced() {
    // The handler's own view: the active span is the request's.
    return { tenantOnSpan: (trace.getActiveSpan() as RecordingSpan | undefined)?.attributes[TENANT_SPAN_ATTRIBUTE] };
  }

  @SkipTenant()
  @Get('untraced')
  untraced(@Query('n') n: string) {
    return { n };
  }
}

beforeAll(() => {
  expect(context.setGlobalContextManager(new AlsContextManager())).toBe(true);
  expect(trace.setGlobalTracerProvider({ getTracer: () => tracer })).toBe(true);
});
afterAll(() => {
  trace.disable();
  context.disable();
});

describe.each(HTTP_SETUPS)(
  'OpenTelemetry: tenant.id on the request span ($platform, app CLS middleware: $clsMiddleware)',
  ({ platform, clsMiddleware }) => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createHttpApp({
        platform,
        clsMiddleware,
        controllers: [TracedController],
        // What HTTP instrumentation does: one span per request, active for everything the request runs.
        configure: (nest) =>
          nest.use((req: { url?: string }, res: { on(event: string, fn: () => void): void }, next: () => void) => {
            const span = trace.getTracer('test').startSpan(`GET ${req.url}`);
            res.on('finish', () => span.end());
            context.with(trace.setSpan(context.active(), span), next);
          }),
      });
    });
    afterAll(() => app?.close());

    it("sets tenant.id to each request's tenant, for two tenants interleaved", async () => {
      spans.length = 0;
      const sent = Array.from({ length: 20 }, (_, i) => ({ i, tenant: i % 2 ? 'globex' : 'acme' }));
      const answers = await Promise.all(
        sent.map(({ i, tenant }) =>
          request(app.getHttpServer()).get(`/traced?i=${i}`).set('x-tenant-id', tenant).expect(200),
        ),
      );
      for (const [index, { tenant }] of sent.entries()) expect(answers[index].body).toEqual({ tenantOnSpan: tenant });
      for (const { i, tenant } of sent) {
        const span = spans.find((s) => s.name === `GET /traced?i=${i}`)!;
        expect(span.attributes).toEqual({ [TENANT_SPAN_ATTRIBUTE]: tenant });
      }
    });

    it('sets nothing on requests without a tenant (skipped routes, refused tenants)', async () => {
      spans.length = 0;
      await request(app.getHttpServer()).get('/untraced?n=1').expect(200);
      await request(app.getHttpServer()).get('/traced').set('x-tenant-id', 'nobody').expect(404);
      await request(app.getHttpServer()).get('/traced').set('x-tenant-id', 'initech').expect(403);
      expect(spans).toHaveLength(3);
      for (const span of spans) expect(span.attributes).toEqual({});
    });
  },
);

describe('without @opentelemetry/api', () => {
  it('setting the attribute does nothing and never throws (a guarded require)', () => {
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => {
        throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
      });
      const { setTenantOnActiveSpan } =
        require('../../lib/tracing/tenant-span') as typeof import('../../lib/tracing/tenant-span');
      expect(() => setTenantOnActiveSpan('acme')).not.toThrow();
      expect(() => setTenantOnActiveSpan('acme')).not.toThrow();
    });
  });
});
