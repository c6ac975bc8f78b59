import { SubdomainTenantResolver } from '../../lib/resolvers/subdomain.resolver';
import type { TenancyRequest } from '../../lib/resolvers/tenant-resolver.interface';

function request(parts: Partial<TenancyRequest>): TenancyRequest {
  return { headers: {}, hostname: '', path: '/', raw: {}, ...parts };
}

describe('SubdomainTenantResolver', () => {
  const host = (hostname: string, options = {}) => new SubdomainTenantResolver(options).resolve(request({ hostname }));

  it('takes the first label of a host with three or more labels', () => {
    expect(host('acme.example.com')).toBe('acme');
    expect(host('acme.app.example.com')).toBe('acme');
    expect(host('acme.example.com.')).toBe('acme');
    expect(host('example.com')).toBeUndefined();
    expect(host('localhost')).toBeUndefined();
    expect(host('')).toBeUndefined();
  });

  it('with baseDomain, matches only <one label>.<baseDomain>', () => {
    const options = { baseDomain: 'Example.com' };
    expect(host('acme.example.com', options)).toBe('acme');
    expect(host('example.com', options)).toBeUndefined();
    expect(host('acme.other.com', options)).toBeUndefined();
    expect(host('acme.notexample.com', options)).toBeUndefined();
    expect(host('a.b.example.com', options)).toBeUndefined();
  });

  it('ignores www by default, and whatever `ignore` lists', () => {
    expect(host('www.example.com')).toBeUndefined();
    expect(host('www.example.com', { ignore: [] })).toBe('www');
    expect(host('admin.example.com', { ignore: ['ADMIN'] })).toBeUndefined();
  });

  it('never matches an IP address', () => {
    expect(host('10.1.2.3')).toBeUndefined();
    expect(host('::1')).toBeUndefined();
    expect(host('10.1.2.3', { baseDomain: '2.3' })).toBeUndefined();
  });
});
