/** Values to put in path parameters: the owner's canary keys by model, and everything else worth a try. */
export interface ParamValues {
  /** Primary key values of each model's canary row, by lower-cased model name (`project`). */
  keysByModel: ReadonlyMap<string, readonly string[]>;
  /** Every value to try in a parameter no model name matches: keys, canary strings, the owner's id, an unknown id. */
  any: readonly string[];
}

/** Stands for the tenant's own id in a path the path resolver reads: replaced per tenant when sending. */
export const TENANT_SEGMENT = '\u0000tenant\u0000';

// path-to-regexp 8 (Nest 11+): `:name`, `:"quoted name"`, wildcards `*name`; `\` escapes.
const PARAM = /(?<!\\)[:*]("(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$]*)/g;
const GROUP = /(?<!\\)\{([^{}]*)\}/;

/** `projectId`, `project_id`, `projectIds` → `project`; `id` → ``. */
const modelOfParam = (name: string) =>
  name.replace(/^"|"$/g, '').toLowerCase().replace(/[_-]/g, '').replace(/ids?$/, '');

/**
 * Concrete paths for a route pattern. A parameter named after a model
 * (`:projectId`) gets that model's canary key; the others take every value
 * of `values.any` in turn, so `/projects/:id` is asked for each canary key,
 * canary string, the owner's tenant id and an id that exists nowhere.
 * Optional groups (`{/:id}`) are tried without and with their content. The
 * segment the path resolver reads (`tenantSegment`) is left as
 * `TENANT_SEGMENT`, for the tenant of each request.
 */
export function routeUrls(pattern: string, values: ParamValues, max: number, tenantSegment?: number): string[] {
  const urls = new Set<string>();
  for (const variant of expandGroups(pattern)) {
    const path = markTenantSegment(variant, tenantSegment);
    const names = [...path.matchAll(PARAM)].map((m) => m[1]);
    if (!names.length) {
      urls.add(unescape(path));
      continue;
    }
    const keyOf = (name: string) => values.keysByModel.get(modelOfParam(name))?.[0];
    const free = names.filter((n) => keyOf(n) === undefined);
    // Matched parameters keep their model's key; free ones try every value (or the first, when all are matched).
    for (const value of free.length ? values.any : [values.any[0]]) {
      urls.add(fill(path, (name) => keyOf(name) ?? value));
      // A single parameter matched to a model is also worth every other value.
      if (names.length === 1 && !free.length) for (const other of values.any) urls.add(fill(path, () => other));
    }
  }
  return [...urls].slice(0, max);
}

/** Puts the tenant's id in a path made by `routeUrls`. */
export function pathForTenant(path: string, tenantId: string): string {
  return path.split(TENANT_SEGMENT).join(encodeURIComponent(tenantId));
}

function fill(path: string, valueOf: (name: string) => string): string {
  return unescape(path.replace(PARAM, (_m, name: string) => encodeURIComponent(valueOf(name))));
}

function expandGroups(pattern: string): string[] {
  let without = pattern;
  let withAll = pattern;
  while (GROUP.test(without)) without = without.replace(GROUP, '');
  while (GROUP.test(withAll)) withAll = withAll.replace(GROUP, '$1');
  return [...new Set([without || '/', withAll])];
}

function markTenantSegment(path: string, segment: number | undefined): string {
  if (segment === undefined) return path;
  const parts = path.split('/');
  if (/^[:*]/.test(parts[segment + 1] ?? '')) parts[segment + 1] = TENANT_SEGMENT;
  return parts.join('/');
}

const unescape = (path: string) => path.replace(/\\(.)/g, '$1');
