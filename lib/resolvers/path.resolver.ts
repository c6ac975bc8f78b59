import { InvalidTenantIdError } from '../errors/invalid-tenant-id.error';
import type { TenancyRequest, TenantResolver } from './tenant-resolver.interface';

/** Options of `PathTenantResolver`. */
export interface PathTenantResolverOptions {
  /**
   * Zero-based index of the path segment holding the tenant id, counted on the
   * full path the client sent, global prefix included (`/api/acme/...` needs
   * `1`). Default: `0`.
   */
  segment?: number;
}

/**
 * Reads the tenant id from a path segment: `/acme/projects` → `acme`.
 *
 * The segment is percent-decoded, so `/ac%6De` is `acme`; a malformed escape
 * (`/%E0%A4%A`) is an `InvalidTenantIdError`, never a thrown `URIError` (a
 * 500). A missing or empty segment resolves to nothing.
 */
export class PathTenantResolver implements TenantResolver {
  private readonly segment: number;

  constructor(options: PathTenantResolverOptions = {}) {
    this.segment = options.segment ?? 0;
  }

  resolve(request: TenancyRequest): string | undefined {
    // The path starts with `/`, so element 0 of the split is always empty.
    const raw = request.path.split('/')[this.segment + 1];
    if (!raw) return undefined;
    try {
      return decodeURIComponent(raw) || undefined;
    } catch {
      throw new InvalidTenantIdError();
    }
  }
}
