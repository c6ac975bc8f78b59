import type { TenantPrisma } from '../../prisma/tenant-prisma.service';
import type { CanarySeedOptions } from '../canaries/canary-seeder';
import type { TenantLeakRoute } from '../routes/tenant-leak-route.interface';

/** Options of `expectNoTenantLeaks` and `findTenantLeaks`. */
export interface TenantLeakTestOptions extends CanarySeedOptions {
  /**
   * `[owner, observer]`: canary rows are written as the owner, and every
   * route is called as the observer, whose answers must never show them.
   * Two different active tenants the app knows.
   */
  tenants: readonly [owner: string, observer: string];
  /**
   * Headers that make a request the given tenant's. Default: from the app's
   * first resolver: `header` → `{ 'x-tenant-id': id }` (or its `header`);
   * `subdomain` → `Host: <id>.<baseDomain>`; `path` → the id in the path
   * segment it reads, no header. Required for `claim` and `custom` resolvers:
   * return what your app checks (`{ authorization: 'Bearer ' + signFor(id) }`).
   */
  request?: (tenantId: string) => Record<string, string> | Promise<Record<string, string>>;
  /**
   * Whether to send POST, PUT, PATCH and DELETE requests, as the observer
   * only, after every GET: `true`, `false` or a predicate per route. Each
   * write is followed by a check that the owner's canary rows are still
   * there, unchanged. Default: `false`.
   */
  allowWrites?: boolean | ((route: TenantLeakRoute) => boolean);
  /**
   * Routes not to call: `'GET /health'` (a method and a path pattern as the
   * report prints them), `'/health'` (every method), or a predicate.
   * Default: none.
   */
  skip?: readonly string[] | ((route: TenantLeakRoute) => boolean);
  /** JSON body of each write request. Default: `{}`. */
  body?: (route: TenantLeakRoute, path: string) => unknown;
  /** The app's `TenantPrisma`. Default: `app.get(TenantPrisma)`. */
  prisma?: TenantPrisma<any, any>;
  /** Per request, in ms; a request without an answer by then is a warning. Default: `10000`. */
  timeoutMs?: number;
  /** Most paths tried per route (one per parameter value). Default: `25`. */
  maxRequestsPerRoute?: number;
  /** Leave the canary rows in the database afterwards. Default: `false` (they are deleted). */
  keepCanaries?: boolean;
}
