import { pathForTenant, routeUrls, TENANT_SEGMENT, type ParamValues } from '../../lib/testing/routes/route-urls';

const values: ParamValues = {
  keysByModel: new Map([
    ['project', ['p-1']],
    ['task', ['t-1']],
  ]),
  any: ['p-1', 't-1', 'canary-ab-3', 'acme', 'x y'],
};

describe('routeUrls', () => {
  it('keeps a path without parameters as it is', () => {
    expect(routeUrls('/projects', values, 25)).toEqual(['/projects']);
  });

  it('tries every value in a parameter no model name matches, percent-encoded', () => {
    expect(routeUrls('/things/:id', values, 25)).toEqual([
      '/things/p-1',
      '/things/t-1',
      '/things/canary-ab-3',
      '/things/acme',
      '/things/x%20y',
    ]);
  });

  it("gives a parameter named after a model that model's key, and the other parameters every value", () => {
    expect(routeUrls('/projects/:projectId/tasks/:id', values, 25)).toEqual([
      '/projects/p-1/tasks/p-1',
      '/projects/p-1/tasks/t-1',
      '/projects/p-1/tasks/canary-ab-3',
      '/projects/p-1/tasks/acme',
      '/projects/p-1/tasks/x%20y',
    ]);
    expect(routeUrls('/projects/:project_id/tasks/:taskId', values, 25)).toEqual(['/projects/p-1/tasks/t-1']);
  });

  it('tries a single matched parameter with its key first, then every other value', () => {
    expect(routeUrls('/tasks/:taskId', values, 3)).toEqual(['/tasks/t-1', '/tasks/p-1', '/tasks/canary-ab-3']);
  });

  it('expands optional groups without and with their content, and fills wildcards', () => {
    expect(routeUrls('/files{/:projectId}', values, 3)).toEqual(['/files', '/files/p-1', '/files/t-1']);
    expect(routeUrls('/static/*path', values, 1)).toEqual(['/static/p-1']);
    expect(routeUrls('/a\\:b/:"quoted id"', values, 1)).toEqual(['/a:b/p-1']);
  });

  it('leaves the segment the path resolver reads to each tenant', () => {
    const [path] = routeUrls('/:tenant/projects/:projectId', values, 25, 0);
    expect(path).toBe(`/${TENANT_SEGMENT}/projects/p-1`);
    expect(pathForTenant(path, 'globex')).toBe('/globex/projects/p-1');
    // A literal segment there is no tenant's: the route is called as it is.
    expect(routeUrls('/health', values, 25, 0)).toEqual(['/health']);
  });
});
