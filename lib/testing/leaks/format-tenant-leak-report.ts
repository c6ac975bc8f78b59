import type { TenantLeak, TenantLeakReport, TenantLeakWarning } from './tenant-leak.report';

const routeName = (leak: { route: { method: string; path: string; handler: string } }) =>
  `${leak.route.method} ${leak.route.path} (${leak.route.handler})`;

function describe(leak: TenantLeak, owner: string): string {
  if (leak.kind === 'write') {
    const what = leak.change.change === 'deleted' ? 'deleted' : `changed ${leak.change.fields.join(', ')} of`;
    return `${what} ${owner}'s ${leak.change.model} canary row`;
  }
  return `${leak.canary.model}.${leak.canary.field} "${leak.canary.value}" in the ${leak.where}`;
}

/** The report as text: leaks grouped by route, then warnings, then what was covered. */
export function formatTenantLeakReport(report: TenantLeakReport): string {
  const { owner, observer } = report;
  const lines: string[] = [];
  const byRoute = new Map<string, TenantLeak[]>();
  for (const leak of report.leaks) byRoute.set(routeName(leak), [...(byRoute.get(routeName(leak)) ?? []), leak]);
  lines.push(
    report.leaks.length
      ? `Tenant leak: ${byRoute.size} route(s) showed or changed tenant "${owner}"'s data as tenant "${observer}".`
      : `No tenant leak: tenant "${observer}" never saw or changed tenant "${owner}"'s canaries.`,
  );
  for (const [route, leaks] of byRoute) {
    lines.push('', `  ${route}`);
    const byPath = new Map<string, TenantLeak[]>();
    for (const leak of leaks) byPath.set(leak.path, [...(byPath.get(leak.path) ?? []), leak]);
    for (const [path, found] of byPath) {
      lines.push(
        `    ${found[0].route.method} ${path} → ${found[0].status}: ${found.map((l) => describe(l, owner)).join('; ')}`,
      );
    }
  }
  if (report.warnings.length) {
    lines.push('', 'Warnings (not leaks):');
    // One line per route and status: a route that fails for every parameter value is one finding.
    const groups = new Map<string, TenantLeakWarning[]>();
    for (const w of report.warnings) {
      const key = w.route ? `${w.route.method} ${w.route.path} ${w.status ?? w.message}` : w.message;
      groups.set(key, [...(groups.get(key) ?? []), w]);
    }
    for (const [first, ...more] of groups.values()) {
      const where = first.route
        ? `${first.route.method} ${first.path ?? first.route.path}${first.tenant ? ` as "${first.tenant}"` : ''}: `
        : '';
      lines.push(`  ${where}${first.message}${more.length ? ` (and ${more.length} more like it on this route)` : ''}`);
    }
  }
  const models = [...new Set(report.canaries.map((c) => c.model))];
  const serving = report.routes.filter((r) => r.showsOwnerData).length;
  const reads = report.routes.filter((r) => r.showsOwnerData !== undefined).length;
  lines.push(
    '',
    `Canaries: ${report.canaries.length} values in ${models.join(', ') || 'no model'} (marker ${report.marker}).`,
    ...report.skippedModels.map((s) => `  no canary row in ${s.model}: ${s.reason}`),
    `Routes: ${report.routes.length} called with ${report.requests} requests; ${serving} of ${reads} GET routes showed "${owner}" its own canaries.`,
    ...report.skippedRoutes.map((s) => `  not called: ${s.route}: ${s.reason}`),
  );
  return lines.join('\n');
}
