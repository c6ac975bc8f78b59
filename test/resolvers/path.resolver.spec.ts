import { InvalidTenantIdError } from '../../lib/errors/invalid-tenant-id.error';
import { PathTenantResolver } from '../../lib/resolvers/path.resolver';
import type { TenancyRequest } from '../../lib/resolvers/tenant-resolver.interface';

function request(parts: Partial<TenancyRequest>): TenancyRequest {
  return { headers: {}, hostname: '', path: '/', raw: {}, ...parts };
}

describe('PathTenantResolver', () => {
  const path = (p: string, segment?: number) => new PathTenantResolver({ segment }).resolve(request({ path: p }));

  it('reads segment 0 by default, another when configured', () => {
    expect(path('/acme/projects')).toBe('acme');
    expect(path('/acme')).toBe('acme');
    expect(path('/api/acme/projects', 1)).toBe('acme');
  });

  it('resolves nothing for a missing segment, a trailing slash included', () => {
    expect(path('/')).toBeUndefined();
    expect(path('/api', 1)).toBeUndefined();
    expect(path('/api/', 1)).toBeUndefined();
    expect(path('/api/acme', 3)).toBeUndefined();
  });

  it('rejects an empty segment followed by more of the path, instead of trying the next resolver', () => {
    expect(() => path('//projects')).toThrow(InvalidTenantIdError);
    expect(() => path('/api//projects', 1)).toThrow(InvalidTenantIdError);
    expect(() => path('//')).toThrow(InvalidTenantIdError);
  });

  it('percent-decodes, and turns a malformed escape into InvalidTenantIdError', () => {
    expect(path('/ac%6De/x')).toBe('acme');
    expect(path('/a%2Fb/x')).toBe('a/b');
    expect(() => path('/%E0%A4%A/x')).toThrow(InvalidTenantIdError);
  });
});
