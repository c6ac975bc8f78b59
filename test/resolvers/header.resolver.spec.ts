import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
import { HeaderTenantResolver } from '../../lib/resolvers/header.resolver';
import type { TenancyRequest } from '../../lib/resolvers/tenant-resolver.interface';

function request(parts: Partial<TenancyRequest>): TenancyRequest {
  return { headers: {}, hostname: '', path: '/', raw: {}, ...parts };
}

describe('HeaderTenantResolver', () => {
  it('reads x-tenant-id by default, another header when configured (case-insensitive)', () => {
    expect(new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': 'acme' } }))).toBe('acme');
    expect(new HeaderTenantResolver({ header: 'X-Org' }).resolve(request({ headers: { 'x-org': 'acme' } }))).toBe(
      'acme',
    );
  });

  it('resolves nothing when the header is absent', () => {
    expect(new HeaderTenantResolver().resolve(request({}))).toBeUndefined();
    expect(new HeaderTenantResolver().resolve(request({ headers: { 'x-other': 'acme' } }))).toBeUndefined();
  });

  it('rejects a header that is present but empty, instead of trying the next resolver', () => {
    expect(() => new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': '' } }))).toThrow(
      InvalidTenantIdError,
    );
    expect(() => new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': [] } }))).toThrow(
      InvalidTenantIdError,
    );
    expect(() => new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': [''] } }))).toThrow(
      InvalidTenantIdError,
    );
  });

  it('takes a header a middleware left as an array of one value', () => {
    expect(new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': ['acme'] } }))).toBe('acme');
  });

  it('rejects a header sent more than once instead of picking one', () => {
    expect(() =>
      new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': ['acme', 'globex'] } })),
    ).toThrow(InvalidTenantIdError);
    expect(() => new HeaderTenantResolver().resolve(request({ headers: { 'x-tenant-id': ['', 'acme'] } }))).toThrow(
      InvalidTenantIdError,
    );
  });
});
