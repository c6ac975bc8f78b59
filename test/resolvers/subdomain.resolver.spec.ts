import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
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

  it('rejects an empty first label instead of trying the next resolver', () => {
    expect(() => host('.example.com', { baseDomain: 'example.com' })).toThrow(InvalidTenantIdError);
    expect(() => host('.example.com')).toThrow(InvalidTenantIdError);
  });

  describe('absolute-form request targets and repeated Host headers', () => {
    const resolve = (parts: Partial<TenancyRequest>) =>
      new SubdomainTenantResolver({ baseDomain: 'example.com' }).resolve(request(parts));

    it('rejects a target naming another host than Host', () => {
      expect(() => resolve({ hostname: 'acme.example.com', authority: 'globex.example.com' })).toThrow(
        InvalidTenantIdError,
      );
      // Even when the target's host would name no tenant: the two still disagree.
      expect(() => resolve({ hostname: 'acme.example.com', authority: 'evil.org' })).toThrow(InvalidTenantIdError);
    });

    it('accepts a target naming the same host, a trailing dot aside, and uses the target without Host', () => {
      expect(resolve({ hostname: 'acme.example.com', authority: 'acme.example.com' })).toBe('acme');
      expect(resolve({ hostname: 'acme.example.com', authority: 'acme.example.com.' })).toBe('acme');
      expect(resolve({ hostname: '', authority: 'globex.example.com' })).toBe('globex');
    });

    it('rejects two Host headers', () => {
      expect(() =>
        resolve({ hostname: 'acme.example.com', headers: { host: ['acme.example.com', 'globex.example.com'] } }),
      ).toThrow(InvalidTenantIdError);
    });
  });

  describe('X-Forwarded-Host listing several hosts', () => {
    const resolve = (parts: Partial<TenancyRequest>) =>
      new SubdomainTenantResolver({ baseDomain: 'example.com' }).resolve(request(parts));
    const forwarded = 'globex.example.com, acme.example.com';

    it('refuses a host the platform took from it, whichever entry it took', () => {
      // Express takes the first entry, Fastify the last.
      expect(() =>
        resolve({ hostname: 'globex.example.com', headers: { host: 'internal:3000', 'x-forwarded-host': forwarded } }),
      ).toThrow(InvalidTenantIdError);
      expect(() =>
        resolve({ hostname: 'acme.example.com', headers: { host: 'internal:3000', 'x-forwarded-host': forwarded } }),
      ).toThrow(InvalidTenantIdError);
      expect(() =>
        resolve({
          hostname: 'acme.example.com',
          headers: { host: 'internal', 'x-forwarded-host': ['globex.example.com', 'acme.example.com'] },
        }),
      ).toThrow(InvalidTenantIdError);
    });

    it('ignores it when the platform read Host, or when every entry names the same host', () => {
      expect(
        resolve({ hostname: 'acme.example.com', headers: { host: 'acme.example.com', 'x-forwarded-host': forwarded } }),
      ).toBe('acme');
      expect(
        resolve({
          hostname: 'acme.example.com',
          headers: { host: 'internal', 'x-forwarded-host': 'acme.example.com, ACME.example.com:443' },
        }),
      ).toBe('acme');
      expect(
        resolve({
          hostname: 'acme.example.com',
          headers: { host: 'internal', 'x-forwarded-host': 'acme.example.com' },
        }),
      ).toBe('acme');
    });
  });
});
