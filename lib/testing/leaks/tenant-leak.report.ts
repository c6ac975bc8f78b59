import type { Canary } from '../canaries/canary.interface';
import type { CanaryChange } from '../canaries/canary-watch';
import type { TenantLeakRoute } from '../routes/tenant-leak-route.interface';

/** One leak: an answer to the observer that showed the owner's canary, or a write that changed the owner's rows. */
export type TenantLeak =
  | {
      kind: 'response';
      route: TenantLeakRoute;
      /** The path requested, parameters filled. */
      path: string;
      status: number;
      canary: Canary;
      /** `body`, or `header <name>`. */
      where: string;
    }
  | { kind: 'write'; route: TenantLeakRoute; path: string; status: number; change: CanaryChange };

/** Something worth a look that is not a leak: a 5xx, a timeout, a model or route left out. */
export interface TenantLeakWarning {
  route?: TenantLeakRoute;
  path?: string;
  /** Who sent the request. */
  tenant?: string;
  /** The answer's status, when one came. */
  status?: number;
  message: string;
}

/** A route the leak test called. */
export interface TenantLeakRouteResult {
  route: TenantLeakRoute;
  /** Paths tried. */
  paths: number;
  /** GET routes: whether some answer to the owner showed the owner's canaries (the route serves tenant data). */
  showsOwnerData?: boolean;
}

/** Everything one leak test run did and found. */
export interface TenantLeakReport {
  owner: string;
  observer: string;
  /** Common to the run's string canaries: `canary-1a2b3c4d`. */
  marker: string;
  /** The owner's canary values, by model. */
  canaries: Canary[];
  /** Tenant-scoped models without a canary row, and why. */
  skippedModels: { model: string; reason: string }[];
  routes: TenantLeakRouteResult[];
  /** Routes not called, and why. */
  skippedRoutes: { route: string; reason: string }[];
  requests: number;
  leaks: TenantLeak[];
  warnings: TenantLeakWarning[];
}
