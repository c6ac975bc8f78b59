import type { ExampleRequest, ExampleResponse } from './requests';

/** One request of the tour, what it should answer, and why. */
export interface WalkthroughStep {
  label: string;
  request: ExampleRequest;
  status: number;
  /** Returns what is wrong with the response body, or nothing when it is right. */
  check?: (body: any) => string | undefined;
}

const NEW_PROJECT = 'Anvil delivery';

/**
 * The requests printed as curl commands at startup and run by EXAMPLE_SMOKE=1.
 * `acmeProjectId` is a seeded project of acme, for the cross-tenant attempts.
 */
export function walkthrough(acmeProjectId: string): WalkthroughStep[] {
  return [
    {
      label: 'health check, no tenant needed (@SkipTenant, TenancyHealthIndicator)',
      request: { method: 'GET', path: '/health' },
      status: 200,
      check: (body) =>
        body?.status === 'ok' &&
        body.info?.tenancy_database?.status === 'up' &&
        body.info?.tenancy_pool?.status === 'up'
          ? undefined
          : 'expected terminus to report the shared database and the pool up',
    },
    {
      label: "one tenant's health: SELECT 1 as acme",
      request: { method: 'GET', path: '/health/tenants/acme' },
      status: 200,
      check: (body) => (body?.info?.tenancy_tenant_acme?.status === 'up' ? undefined : 'expected acme up'),
    },
    {
      label: 'shared plans, no tenant needed (TenantPrisma.shared)',
      request: { method: 'GET', path: '/plans' },
      status: 200,
      check: (body) => (Array.isArray(body) && body.length === 3 ? undefined : 'expected the 3 seeded plans'),
    },
    {
      label: "acme's projects",
      request: { method: 'GET', path: '/projects', tenant: 'acme' },
      status: 200,
      check: (body) => onlyTenant(body, 'acme', 2),
    },
    {
      label: 'create a project (and its tasks) as acme',
      request: {
        method: 'POST',
        path: '/projects',
        tenant: 'acme',
        body: { name: NEW_PROJECT, tasks: ['Paint it black'] },
      },
      status: 201,
      check: (body) =>
        body?.project?.tenantId === 'acme' && body.project.tasks?.[0]?.tenantId === 'acme'
          ? undefined
          : 'expected the project and its nested task to belong to acme',
    },
    {
      label: "globex's projects: none of acme's",
      request: { method: 'GET', path: '/projects', tenant: 'globex' },
      status: 200,
      check: (body) =>
        onlyTenant(body, 'globex', 2) ??
        (body.projects.some((p: any) => p.name === NEW_PROJECT) ? "globex sees acme's new project" : undefined),
    },
    {
      label: "acme's projects again, the tenant taken from the subdomain",
      request: { method: 'GET', path: '/projects', subdomain: 'acme' },
      status: 200,
      check: (body) => onlyTenant(body, 'acme', 3),
    },
    {
      label: "globex asks for one of acme's projects: 404, it does not exist for globex",
      request: { method: 'GET', path: `/projects/${acmeProjectId}`, tenant: 'globex' },
      status: 404,
    },
    {
      label: "globex adds a task to acme's project: 404",
      request: {
        method: 'POST',
        path: `/projects/${acmeProjectId}/tasks`,
        tenant: 'globex',
        body: { title: 'sneaky' },
      },
      status: 404,
    },
    {
      label: 'unknown tenant: 404',
      request: { method: 'GET', path: '/projects', tenant: 'nope' },
      status: 404,
      check: (body) => errorBody(body, 404, 'TENANT_NOT_FOUND'),
    },
    {
      label: 'suspended tenant: 403',
      request: { method: 'GET', path: '/projects', tenant: 'initech' },
      status: 403,
      check: (body) => errorBody(body, 403, 'TENANT_INACTIVE'),
    },
    {
      label: 'malformed tenant id: 400',
      request: { method: 'GET', path: '/projects', tenant: 'acme;DROP TABLE projects' },
      status: 400,
      check: (body) => errorBody(body, 400, 'TENANT_ID_INVALID'),
    },
    {
      label: 'no tenant at all: 400',
      request: { method: 'GET', path: '/projects' },
      status: 400,
      check: (body) => errorBody(body, 400, 'TENANT_REQUIRED'),
    },
    {
      label: 'run the daily digest job: TenantContext.run for each tenant',
      request: { method: 'POST', path: '/digest' },
      status: 200,
      check: (body) => {
        const byTenant = Object.fromEntries((Array.isArray(body) ? body : []).map((line: any) => [line.tenant, line]));
        if (byTenant.acme?.projects !== 3 || byTenant.globex?.projects !== 2)
          return 'expected 3 projects for acme and 2 for globex';
        return byTenant.initech?.skipped ? undefined : 'expected the suspended tenant to be skipped';
      },
    },
  ];
}

/** Checks a `GET /projects` body: the tenant, its projects only, and how many. */
function onlyTenant(body: any, tenant: string, count: number): string | undefined {
  if (body?.tenant !== tenant || !Array.isArray(body.projects))
    return `expected { tenant: "${tenant}", projects: [...] }`;
  if (body.projects.some((p: any) => p.tenantId !== tenant)) return `a project of another tenant than ${tenant} leaked`;
  return body.projects.length === count ? undefined : `expected ${count} projects, got ${body.projects.length}`;
}

function errorBody(body: any, statusCode: number, error: string): string | undefined {
  return body?.statusCode === statusCode && body?.error === error && typeof body?.message === 'string'
    ? undefined
    : `expected { statusCode: ${statusCode}, error: "${error}", message }`;
}

/** A short, one-line rendering of a response for the smoke log. */
export function summarize(response: ExampleResponse): string {
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
