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
 * 500). A missing segment resolves to nothing (`/` for segment 0, `/api` or
 * `/api/` for segment 1); an empty one followed by more of the path
 * (`//projects`, `/api//projects`) names no tenant and is an
 * `InvalidTenantIdError` rather than a fall-through to the next resolver.
 */
export class PathTenantResolver implements TenantResolver {
  private readonly segment: number;

  constructor(options: PathTenantResolverOptions = {}) {
    this.segment = options.segment ?? 0;
  }

  resolve(request: TenancyRequest): string | undefined {
    // The path starts with `/`, so element 0 of the split is always empty.
    const segments = request.path.split('/');
    const index = this.segment + 1;
    const raw = segments[index];
    // A trailing slash leaves an empty last element: the segment is not there.
    if (raw === undefined || (raw === '' && index === segments.length - 1)) return undefined;
    if (raw === '') throw new InvalidTenantIdError('The tenant path segment is empty.');
    try {
      return decodeURIComponent(raw);
    } catch {
      throw new InvalidTenantIdError();
    }
  }
}
