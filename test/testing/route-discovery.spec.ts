import {
  All,
  Controller,
  Delete,
  Get,
  type INestApplication,
  Module,
  Options,
  Param,
  Patch,
  Post,
  Put,
  RequestMethod,
  Sse,
  Version,
  VersioningType,
} from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { of } from 'rxjs';
import { sendHttp, listeningAddress } from '../../lib/testing/http/tenant-http.client';
import { discoverRoutes } from '../../lib/testing/routes/route-discovery';
import { routeUrls } from '../../lib/testing/routes/route-urls';
import { HTTP_PLATFORMS } from '../support/http-app';

@Controller('items')
class ItemsController {
  @Get()
  list() {
    return { handler: 'list' };
  }
  // Static paths first: Express matches in declaration order, and `:id` would take them.
  @Get(['a', 'b'])
  twoPaths() {
    return { handler: 'twoPaths' };
  }
  @All('any')
  any() {
    return { handler: 'any' };
  }
  @Get(':id')
  get(@Param('id') id: string) {
    return { handler: 'get', id };
  }
  @Post()
  create() {
    return { handler: 'create' };
  }
  @Put(':id')
  put() {
    return { handler: 'put' };
  }
  @Patch(':id')
  patch() {
    return { handler: 'patch' };
  }
  @Delete(':id')
  remove() {
    return { handler: 'remove' };
  }
  @Version('2')
  @Get('versioned/:id')
  versioned() {
    return { handler: 'versioned' };
  }
  @Options('opts')
  opts() {
    return {};
  }
  @Sse('events')
  events() {
    return of({ data: 'x' });
  }
  helper() {
    return 'not a route';
  }
}

@Controller()
class RootController {
  @Get('health')
  health() {
    return { handler: 'health' };
  }
}

@Controller('reports')
class ReportsController {
  @Get()
  list() {
    return { handler: 'list' };
  }
}

@Controller({ path: 'hosted', host: 'admin.example.com' })
class HostedController {
  @Get()
  list() {
    return {};
  }
}

@Module({ controllers: [ReportsController] })
class AdminModule {}

@Module({
  imports: [AdminModule, RouterModule.register([{ path: 'admin', module: AdminModule }])],
  controllers: [ItemsController, RootController, HostedController],
})
class RoutesModule {}

describe.each(HTTP_PLATFORMS)('discoverRoutes on %s', (platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [RoutesModule] }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    app.useLogger(false);
    app.setGlobalPrefix('api', { exclude: [{ path: 'health', method: RequestMethod.GET }] });
    app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
    await app.init();
  });

  afterAll(() => app?.close());

  it('finds every route as the router serves it: global prefix and its exclusions, versions, RouterModule paths', () => {
    const { routes, skipped } = discoverRoutes(app);
    expect(routes.map((r) => `${r.method} ${r.path} ${r.handler}`).sort()).toEqual(
      [
        'DELETE /api/v1/items/:id ItemsController.remove',
        'GET /api/v1/admin/reports ReportsController.list',
        'GET /api/v1/items ItemsController.list',
        'GET /api/v1/items/:id ItemsController.get',
        'GET /api/v1/items/a ItemsController.twoPaths',
        'GET /api/v1/items/any ItemsController.any',
        'GET /api/v1/items/b ItemsController.twoPaths',
        'GET /api/v2/items/versioned/:id ItemsController.versioned',
        'GET /v1/health RootController.health',
        'PATCH /api/v1/items/:id ItemsController.patch',
        'POST /api/v1/items ItemsController.create',
        'PUT /api/v1/items/:id ItemsController.put',
      ].sort(),
    );
    expect(skipped).toEqual(
      expect.arrayContaining([
        { route: 'ItemsController.opts', reason: 'method OPTIONS is not called' },
        { route: 'ItemsController.events', reason: 'server-sent events never end' },
        { route: 'HostedController.list', reason: 'its controller is bound to a host' },
      ]),
    );
  });

  it('gives paths the app answers, each by the handler named', async () => {
    const address = await listeningAddress(app);
    const values = { keysByModel: new Map(), any: ['42'] };
    for (const route of discoverRoutes(app).routes) {
      const [path] = routeUrls(route.path, values, 1);
      const answer = await sendHttp(address, { method: route.method, path, headers: {}, timeoutMs: 5_000 });
      expect({ route: `${route.method} ${path}`, status: answer.status }).toEqual({
        route: `${route.method} ${path}`,
        status: route.method === 'POST' ? 201 : 200,
      });
      expect(JSON.parse(answer.body).handler).toBe(route.handler.split('.')[1]);
    }
  });
});
