import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
import { ClaimTenantResolver } from '../../lib/resolvers/claim.resolver';
import type { TenancyRequest } from '../../lib/resolvers/tenant-resolver.interface';

function request(parts: Partial<TenancyRequest>): TenancyRequest {
  return { headers: {}, hostname: '', path: '/', raw: {}, ...parts };
}

describe('ClaimTenantResolver', () => {
  const claim = (user: unknown, name?: string) => new ClaimTenantResolver({ claim: name }).resolve(request({ user }));

  it('reads tenantId by default, a dot path when configured', () => {
    expect(claim({ tenantId: 'acme' })).toBe('acme');
    expect(claim({ org: { tenant: 'acme' } }, 'org.tenant')).toBe('acme');
  });

  it('resolves nothing without a user or claim', () => {
    expect(claim(undefined)).toBeUndefined();
    expect(claim({})).toBeUndefined();
    expect(claim({ org: 'acme' }, 'org.tenant')).toBeUndefined();
    expect(claim({ tenantId: null })).toBeUndefined();
  });

  it('rejects a claim that is present but not a string', () => {
    expect(() => claim({ tenantId: 42 })).toThrow(InvalidTenantIdError);
    expect(() => claim({ tenantId: ['acme', 'globex'] })).toThrow(InvalidTenantIdError);
  });
});
