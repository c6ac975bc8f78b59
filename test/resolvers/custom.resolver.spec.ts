import { CustomTenantResolver } from '../../lib/resolvers/custom.resolver';
import type { TenancyRequest } from '../../lib/resolvers/tenant-resolver.interface';

function request(parts: Partial<TenancyRequest>): TenancyRequest {
  return { headers: {}, hostname: '', path: '/', raw: {}, ...parts };
}

describe('CustomTenantResolver', () => {
  it('returns what the function returns, sync or async', async () => {
    expect(
      new CustomTenantResolver((r) => r.headers['x-a'] as string).resolve(request({ headers: { 'x-a': 'acme' } })),
    ).toBe('acme');
    await expect(new CustomTenantResolver(async () => 'globex').resolve(request({}))).resolves.toBe('globex');
  });
});
