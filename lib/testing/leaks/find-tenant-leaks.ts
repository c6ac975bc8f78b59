import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { TenantContext } from '../../context/tenant-context.service';
import { TenancyConfigError } from '../../errors/tenancy-config.error';
import type { ResolvedTenancyOptions } from '../../options/resolved-options.interface';
import { TENANCY_RESOLVED_OPTIONS } from '../../tenancy.internal-constants';
import type { CanarySet } from '../canaries/canary.interface';
import { CanaryIndex } from '../canaries/canary-index';
import { seedCanaries } from '../canaries/canary-seeder';
import { canaryTarget } from '../canaries/canary-target';
import { diffSnapshots, removeCanaries, snapshotCanaries } from '../canaries/canary-watch';
import { listeningAddress, sendHttp, type HttpAnswer } from '../http/tenant-http.client';
import { tenantRequestNaming } from '../http/tenant-request';
import { discoverRoutes } from '../routes/route-discovery';
import { pathForTenant, routeUrls, type ParamValues } from '../routes/route-urls';
import type { TenantLeakRoute } from '../routes/tenant-leak-route.interface';
import type { TenantLeakTestOptions } from './tenant-leak.options';
import type { TenantLeakReport } from './tenant-leak.report';

/**
 * Runs the leak test and returns its report, leaks included, without
 * throwing on them (`expectNoTenantLeaks` throws). See `TenantLeakTestOptions`.
 *
 * 1. Writes a canary row in every tenant-scoped model as the owner.
 * 2. Calls every GET route as the owner, then the same path as the observer
 *    (so a cache the owner filled is read by the observer), with path
 *    parameters filled with the owner's canary keys and other values.
 * 3. When allowed, sends the writes as the observer, checking the owner's
 *    rows after each.
 * 4. Deletes the canary rows.
 */
export async function findTenantLeaks(
  app: INestApplication,
  options: TenantLeakTestOptions,
): Promise<TenantLeakReport> {
  const [owner, observer] = validTenants(options);
  const resolved = app.get<symbol, ResolvedTenancyOptions>(TENANCY_RESOLVED_OPTIONS, { strict: false });
  const naming = tenantRequestNaming(resolved, options.request);
  // Both must be enterable: an unknown or inactive tenant fails here, before anything is written.
  await app.get(TenantContext, { strict: false }).run(observer, () => undefined);
  const target = canaryTarget(app, owner, options.prisma);
  const address = await listeningAddress(app);
  const discovered = discoverRoutes(app);
  const set = await seedCanaries(target, options);
  const report: TenantLeakReport = {
    owner,
    observer,
    marker: set.marker,
    canaries: set.canaries,
    skippedModels: set.skipped,
    routes: [],
    skippedRoutes: [...discovered.skipped],
    requests: 0,
    leaks: [],
    warnings: [],
  };
  const index = new CanaryIndex(set.canaries);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = async (route: TenantLeakRoute, path: string, tenant: string, body?: unknown) => {
    const headers = await naming.headers(tenant);
    const concrete = pathForTenant(path, tenant);
    const answer = await sendHttp(address, { method: route.method, path: concrete, headers, body, timeoutMs });
    report.requests++;
    if (answer.error || answer.status >= 500) {
      if (answer.error) report.warnings.push({ route, path: concrete, tenant, message: answer.error });
      else
        report.warnings.push({
          route,
          path: concrete,
          tenant,
          status: answer.status,
          message: `answered ${answer.status}${summary(answer)}`,
        });
    }
    const sent = `${concrete}\n${JSON.stringify(headers)}\n${JSON.stringify(body ?? null)}`;
    return { answer, path: concrete, sent };
  };
  const check = (route: TenantLeakRoute, sent: { answer: HttpAnswer; path: string; sent: string }) => {
    const { answer, path } = sent;
    for (const canary of index.find(answer.body, sent.sent))
      report.leaks.push({ kind: 'response', route, path, status: answer.status, canary, where: 'body' });
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const canary of index.find(value, sent.sent))
        report.leaks.push({ kind: 'response', route, path, status: answer.status, canary, where: `header ${name}` });
    }
  };
  try {
    const values = paramValues(set, owner);
    const max = options.maxRequestsPerRoute ?? 25;
    const { reads, writes } = selectRoutes(discovered.routes, options, report);
    for (const route of reads) {
      const paths = routeUrls(route.path, values, max, naming.segment);
      const result = { route, paths: paths.length, showsOwnerData: false };
      for (const path of paths) {
        const own = await send(route, path, owner);
        if (index.find(own.answer.body, own.sent).length) result.showsOwnerData = true;
        check(route, await send(route, path, observer));
      }
      report.routes.push(result);
    }
    let before = writes.length ? await snapshotCanaries(target, set) : undefined;
    for (const route of writes) {
      const paths = routeUrls(route.path, values, max, naming.segment);
      for (const path of paths) {
        const sent = await send(route, path, observer, options.body ? options.body(route, path) : {});
        check(route, sent);
        const after = await snapshotCanaries(target, set);
        for (const change of diffSnapshots(before!, after))
          report.leaks.push({ kind: 'write', route, path: sent.path, status: sent.answer.status, change });
        before = after;
      }
      report.routes.push({ route, paths: paths.length });
    }
  } finally {
    if (!options.keepCanaries) {
      for (const failure of await removeCanaries(target, set))
        report.warnings.push({ message: `canary row not deleted: ${failure}` });
    }
  }
  return report;
}

function validTenants(options: TenantLeakTestOptions): [string, string] {
  const tenants = options?.tenants;
  if (!Array.isArray(tenants) || tenants.length !== 2 || tenants.some((t) => typeof t !== 'string'))
    throw new TenancyConfigError('tenants', 'expected [owner, observer]: two tenant ids');
  if (tenants[0] === tenants[1]) throw new TenancyConfigError('tenants', 'expected two different tenants');
  return [tenants[0], tenants[1]];
}

function selectRoutes(routes: TenantLeakRoute[], options: TenantLeakTestOptions, report: TenantLeakReport) {
  const skip = options.skip;
  const skipped = (r: TenantLeakRoute) =>
    typeof skip === 'function' ? skip(r) : (skip ?? []).some((s) => s === `${r.method} ${r.path}` || s === r.path);
  const allowed = (r: TenantLeakRoute) =>
    typeof options.allowWrites === 'function' ? options.allowWrites(r) : options.allowWrites === true;
  const reads: TenantLeakRoute[] = [];
  const writes: TenantLeakRoute[] = [];
  for (const route of routes) {
    const name = `${route.method} ${route.path} (${route.handler})`;
    if (skipped(route)) report.skippedRoutes.push({ route: name, reason: 'skipped by the skip option' });
    else if (route.method === 'GET') reads.push(route);
    else if (allowed(route)) writes.push(route);
    else report.skippedRoutes.push({ route: name, reason: 'a write, not allowed (allowWrites)' });
  }
  return { reads, writes };
}

/** Parameter values: each model's canary keys, then every canary value, the owner's id and an id of nothing. */
function paramValues(set: CanarySet, owner: string): ParamValues {
  const keysByModel = new Map<string, string[]>();
  const keys: string[] = [];
  for (const row of set.rows) {
    const rowKeys = Object.values(row.where ?? {}).map(String);
    keysByModel.set(row.model.toLowerCase(), rowKeys);
    keys.push(...rowKeys);
  }
  const others = set.canaries.map((c) => c.value).filter((v) => !/^\d{4}-\d\d-\d\dT/.test(v));
  return { keysByModel, any: [...new Set([...keys, ...others, owner, randomUUID()])] };
}

function summary(answer: HttpAnswer): string {
  const text = answer.body.replace(/\s+/g, ' ').trim();
  return text ? `: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}` : '';
}
