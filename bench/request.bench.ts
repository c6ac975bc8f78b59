// What the package costs every HTTP request before the handler runs, on a
// cached tenant: CPU µs per call of each step the request hook and TenantGuard
// take (resolving the tenant from the x-tenant-id header, the cache lookup,
// the status check, entering the context), of the whole guard on the
// ExecutionContextHost Nest builds for an Express request, of the per-request
// path as Nest runs it (the package's request hook, then Nest's GuardsConsumer),
// and of TenantContext.run on a cached tenant. Goal (issue 11): <= 10 µs each.
//
// No database: the RLS strategy is booted with its self-check off and never
// queried (none of these steps touches PostgreSQL).
//
//   npm run bench:request               (about 30 s)
//
// Env, defaults in brackets: BENCH_ROUNDS [21] measured rounds (plus one warm-up),
// BENCH_ITERATIONS [20000] calls per step per round, BENCH_TENANTS [100] cached tenants the requests cycle through.
import 'reflect-metadata';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { Controller, Get } from '@nestjs/common';
import { GuardsConsumer } from '@nestjs/core/guards/guards-consumer';
import { ClsServiceManager, ContextClsStoreMap } from 'nestjs-cls';
import { TenantCache, TenantGuard, TenantResolution, type Tenant } from '../lib';
import { runInRequestContext } from '../lib/context/tenant-context.middleware';
import { enterRequestContext } from '../lib/guards/request-context';
import { toTenancyRequest } from '../lib/resolvers/tenancy-request.factory';
import { envNumber, machineLine, passMiss } from './support/bench-env';
import { microRounds, type MicroResult, type MicroStep } from './support/cpu-rounds';
import { expressRequests, type BenchRequest } from './support/express-requests';
import { bootTenancyApp } from './support/tenancy-app';
import { printTable } from './support/timing';

const ROUNDS = envNumber('BENCH_ROUNDS', 21);
const ITERATIONS = envNumber('BENCH_ITERATIONS', 20_000);
const TENANTS = envNumber('BENCH_TENANTS', 100);
const GOAL_US = 10;

@Controller('projects')
class ProjectsController {
  @Get()
  list() {
    return [];
  }
}

async function main() {
  const ids = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
  const app = await bootTenancyApp(
    'postgresql://bench:bench@127.0.0.1:1/unused',
    ids.map((id) => ({ id, status: 'active' as const })),
    { strategy: 'rls', rls: { selfCheck: false } },
  );
  try {
    const resolution = app.app.get(TenantResolution);
    const cache = app.app.get(TenantCache);
    const guard = app.app.get(TenantGuard);
    const context = app.context;
    const cls = ClsServiceManager.getClsService();
    const consumer = new GuardsConsumer();
    const controller = new ProjectsController();
    const handler = ProjectsController.prototype.list;
    const tenants: Readonly<Tenant>[] = [];
    for (const id of ids) tenants.push(await cache.getActive(id)); // every tenant cached before timing

    // Without a context of its own: no store active, as at the start of a request no hook saw.
    const als = (cls as unknown as { als?: AsyncLocalStorage<unknown> }).als;
    const clean = (loop: () => Promise<void>) => (als ? als.exit(loop) : loop());
    // As after the package's request hook: one store active and recorded for every request.
    const inMiddlewareStore = (loop: () => Promise<void>) =>
      clean(() =>
        cls.run(() => {
          const store = cls.get();
          for (const r of requests) ContextClsStoreMap.setByRaw(r.req, store);
          return loop();
        }),
      );
    let requests: BenchRequest[] = [];
    const fresh = (n: number) => {
      requests = expressRequests(n, ids, ProjectsController, handler);
    };
    const normalized = expressRequests(ids.length, ids, ProjectsController, handler).map((r) =>
      toTenancyRequest(r.req),
    );
    const noop = async () => undefined;

    const steps: MicroStep[] = [
      {
        name: 'resolve: TenantResolution.resolve(context), x-tenant-id on an Express request',
        async: true,
        prepare: fresh,
        call: (i) => resolution.resolve(requests[i].context),
      },
      {
        name: '  of which normalizing the request: toTenancyRequest(req)',
        async: false,
        prepare: fresh,
        call: (i) => toTenancyRequest(requests[i].req),
      },
      {
        name: '  of which the header resolver on a normalized request (resolveRequest)',
        async: true,
        call: (i) => resolution.resolveRequest(normalized[i % normalized.length]),
      },
      { name: 'look up: TenantCache.find (hit)', async: true, call: (i) => cache.find(ids[i % ids.length]) },
      {
        name: 'look up and check: TenantCache.getActive (hit; id pattern, status)',
        async: true,
        call: (i) => cache.getActive(ids[i % ids.length]),
      },
      {
        name: 'enter: enterRequestContext + TenantContext.enter (store from the request hook)',
        async: false,
        prepare: fresh,
        within: inMiddlewareStore,
        call: (i) => {
          enterRequestContext(requests[i].context);
          context.enter(tenants[i % tenants.length]);
        },
      },
      {
        name: 'TenantGuard.canActivate on an ExecutionContextHost (store from the request hook)',
        async: true,
        prepare: fresh,
        within: inMiddlewareStore,
        call: (i) => guard.canActivate(requests[i].context),
      },
      {
        name: 'TenantGuard.canActivate, no request hook (the guard enters a store)',
        async: true,
        prepare: fresh,
        within: clean,
        call: (i) => guard.canActivate(requests[i].context),
      },
      {
        name: "per request: the package's request hook, then Nest's GuardsConsumer.tryActivate([TenantGuard])",
        async: true,
        prepare: fresh,
        within: clean,
        call: (i) => {
          const { req, args } = requests[i];
          let activated: Promise<boolean> | undefined;
          runInRequestContext(req, () => {
            activated = consumer.tryActivate([guard], args, controller, handler, 'http');
          });
          return activated;
        },
      },
      {
        name: 'TenantContext.run(cached tenant, async () => undefined)',
        async: true,
        within: clean,
        call: (i) => context.run(ids[i % ids.length], noop),
      },
    ];

    const startLine = machineLine();
    const results = await microRounds(steps, { rounds: ROUNDS, iterations: ITERATIONS });
    const of = (prefix: string) => results.find((r) => r.name.startsWith(prefix))!;
    const statusCheck: MicroResult = {
      name: '  status check: getActive - find (medians)',
      cpuUs: of('look up and check').cpuUs - of('look up:').cpuUs,
      cpuP25: NaN,
      cpuP75: NaN,
      wallUs: of('look up and check').wallUs - of('look up:').wallUs,
    };
    const rows = [...results];
    rows.splice(rows.indexOf(of('look up and check')) + 1, 0, statusCheck);
    console.log(
      `\nPer-request cost on a cached tenant (${TENANTS} tenants, Express requests with 4 headers): ` +
        `${ROUNDS} rounds x ${ITERATIONS} calls per step, order rotated per round; median over rounds\n` +
        `start: ${startLine}\nend:   ${machineLine()}\n`,
    );
    printTable(
      ['step', 'CPU µs/call', 'IQR', 'wall µs/call', `goal <= ${GOAL_US} µs`],
      rows.map((r) => [
        r.name,
        r.cpuUs.toFixed(2),
        Number.isFinite(r.cpuP25) ? `${r.cpuP25.toFixed(2)}..${r.cpuP75.toFixed(2)}` : '',
        r.wallUs.toFixed(2),
        r.name.startsWith('  ') ? '' : passMiss(r.cpuUs, GOAL_US),
      ]),
    );
    console.log(
      '\nCPU: process.cpuUsage() over the loop (user + system, garbage collection and promise jobs included), ' +
        'one await per call for async steps. The request objects and their contexts are built before the clock starts.',
    );
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
