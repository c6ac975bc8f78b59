import { TenancyConfigError } from '../../errors/tenancy-config.error';
import type { ResolvedTenancyOptions } from '../../options/resolved-options.interface';
import type {
  HeaderResolverOptions,
  PathResolverOptions,
  SubdomainResolverOptions,
  TenantResolverOption,
} from '../../options/tenancy-options.interface';
import { HeaderTenantResolver } from '../../resolvers/header.resolver';
import { PathTenantResolver } from '../../resolvers/path.resolver';
import { SubdomainTenantResolver } from '../../resolvers/subdomain.resolver';

/** How a request names its tenant: headers, and for the path resolver the segment that holds the id. */
export interface TenantRequestNaming {
  headers(tenantId: string): Promise<Record<string, string>>;
  /** Zero-based path segment holding the id (path resolver), else undefined. */
  segment?: number;
}

/**
 * The way requests name a tenant in this app: the user's `request` function,
 * or one derived from the first resolver the module was given.
 */
export function tenantRequestNaming(
  options: Pick<ResolvedTenancyOptions, 'resolvers'>,
  request?: (tenantId: string) => Record<string, string> | Promise<Record<string, string>>,
): TenantRequestNaming {
  if (request !== undefined && typeof request !== 'function')
    throw new TenancyConfigError('request', 'expected a function (tenantId) => headers');
  const first = describeResolver(options.resolvers[0]);
  const segment = first?.type === 'path' ? ((first as PathResolverOptions).segment ?? 0) : undefined;
  if (request) return { headers: async (id) => ({ ...(await request(id)) }), segment };
  switch (first?.type) {
    case 'header': {
      const header = ((first as HeaderResolverOptions).header ?? 'x-tenant-id').toLowerCase();
      return { headers: async (id) => ({ [header]: id }) };
    }
    case 'subdomain': {
      const base = (first as SubdomainResolverOptions).baseDomain ?? 'tenants.test';
      return { headers: async (id) => ({ host: `${id}.${base}` }) };
    }
    case 'path':
      return { headers: async () => ({}), segment };
    default:
      throw new TenancyConfigError(
        'request',
        `the app reads tenants with a ${first?.type ?? 'missing'} resolver: give request: (tenantId) => headers that make a request that tenant's`,
      );
  }
}

type Described = HeaderResolverOptions | SubdomainResolverOptions | PathResolverOptions | { type: string } | undefined;

/** The resolver as options: the built-in resolver classes given as instances are read back. */
function describeResolver(resolver: TenantResolverOption | undefined): Described {
  // Their settings are private fields; read them back rather than widen their API for tests.
  const fields = resolver as unknown as { header?: string; suffix?: string; segment?: number };
  if (resolver instanceof HeaderTenantResolver) return { type: 'header', header: fields.header };
  if (resolver instanceof SubdomainTenantResolver)
    return { type: 'subdomain', baseDomain: fields.suffix?.replace(/^\./, '') };
  if (resolver instanceof PathTenantResolver) return { type: 'path', segment: fields.segment };
  if (resolver && 'type' in resolver && typeof resolver.type === 'string') return resolver as Described;
  return resolver ? { type: 'custom' } : undefined;
}
