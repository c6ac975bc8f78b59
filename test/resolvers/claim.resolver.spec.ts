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

  it('resolves nothing without a user or without the claim', () => {
    expect(claim(undefined)).toBeUndefined();
    expect(claim(null)).toBeUndefined();
    expect(claim({})).toBeUndefined();
    expect(claim({ tenantId: undefined })).toBeUndefined();
    expect(claim({ other: { tenant: 'acme' } }, 'org.tenant')).toBeUndefined();
    expect(claim({ org: {} }, 'org.tenant')).toBeUndefined();
  });

  // Each of these would otherwise fall through to the next resolver (a header the caller chose).
  it.each([
    ['null', { tenantId: null }],
    ['empty', { tenantId: '' }],
    ['a number', { tenantId: 42 }],
    ['a boolean', { tenantId: true }],
    ['an array', { tenantId: ['acme', 'globex'] }],
    ['an array of one', { tenantId: ['acme'] }],
    ['an object', { tenantId: { id: 'acme' } }],
  ])('rejects a claim that is present but %s', (_what, user) => {
    expect(() => claim(user)).toThrow(InvalidTenantIdError);
  });

  it.each([
    ['a string', { org: 'acme' }],
    ['null', { org: null }],
    ['a number', { org: 7 }],
  ])('rejects a dot path that runs into %s', (_what, user) => {
    expect(() => claim(user, 'org.tenant')).toThrow(InvalidTenantIdError);
  });

  it('rejects a user that is not an object', () => {
    expect(() => claim('acme')).toThrow(InvalidTenantIdError);
  });
});
