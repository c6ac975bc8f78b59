import { TenancyConfigError, HeaderTenantResolver, PathTenantResolver, SubdomainTenantResolver } from '../../lib';
import type { TenantResolverOption } from '../../lib';
import { tenantRequestNaming } from '../../lib/testing/http/tenant-request';

const naming = (resolvers: TenantResolverOption[], request?: (id: string) => Record<string, string>) =>
  tenantRequestNaming({ resolvers }, request);

describe('how the leak test names a tenant in a request', () => {
  it.each([
    ['a header resolver', [{ type: 'header' }], { 'x-tenant-id': 'acme' }],
    ['a header resolver with its own header', [{ type: 'header', header: 'X-Org' }], { 'x-org': 'acme' }],
    ['a HeaderTenantResolver instance', [new HeaderTenantResolver({ header: 'x-org' })], { 'x-org': 'acme' }],
    ['a subdomain resolver', [{ type: 'subdomain', baseDomain: 'example.com' }], { host: 'acme.example.com' }],
    [
      'a SubdomainTenantResolver instance',
      [new SubdomainTenantResolver({ baseDomain: '.localhost' })],
      { host: 'acme.localhost' },
    ],
    ['a subdomain resolver without base domain', [{ type: 'subdomain' }], { host: 'acme.tenants.test' }],
    ['the first of several', [{ type: 'header' }, { type: 'subdomain' }], { 'x-tenant-id': 'acme' }],
  ] as [string, TenantResolverOption[], Record<string, string>][])('%s', async (_label, resolvers, headers) => {
    const named = naming(resolvers);
    expect(await named.headers('acme')).toEqual(headers);
    expect(named.segment).toBeUndefined();
  });

  it('puts the id in the path for a path resolver', async () => {
    expect(naming([{ type: 'path', segment: 1 }]).segment).toBe(1);
    expect(naming([new PathTenantResolver()]).segment).toBe(0);
    expect(await naming([{ type: 'path' }]).headers('acme')).toEqual({});
  });

  it("uses the test's own function when given, e.g. for a JWT claim", async () => {
    const named = naming([{ type: 'claim', claim: 'org' } as TenantResolverOption], (id) => ({
      authorization: `Bearer ${id}`,
    }));
    expect(await named.headers('acme')).toEqual({ authorization: 'Bearer acme' });
  });

  it('refuses claim and custom resolvers without one, naming the option', () => {
    for (const resolvers of [
      [{ type: 'claim', claim: 'org' }],
      [{ resolve: () => 'x' }],
      [],
    ] as TenantResolverOption[][]) {
      expect(() => naming(resolvers)).toThrow(TenancyConfigError);
      expect(() => naming(resolvers)).toThrow(/"request".*request: \(tenantId\) => headers/);
    }
    expect(() => tenantRequestNaming({ resolvers: [] }, 'x' as never)).toThrow(/"request": expected a function/);
  });
});
