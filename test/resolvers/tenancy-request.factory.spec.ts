import { toTenancyRequest } from '../../lib/resolvers/tenancy-request.factory';

describe('toTenancyRequest', () => {
  it('normalizes an Express-like request', () => {
    const user = { tenantId: 'acme' };
    const req = {
      headers: { 'x-tenant-id': 'acme' },
      hostname: 'Acme.Example.com',
      originalUrl: '/acme/p?q=1',
      url: '/p',
      user,
    };
    expect(toTenancyRequest(req)).toEqual({
      headers: req.headers,
      hostname: 'acme.example.com',
      path: '/acme/p',
      user,
      raw: req,
    });
  });

  it('normalizes a Fastify-like request, reading user from the raw request as a fallback', () => {
    const raw = { headers: { host: 'acme.example.com:3000' }, url: '/acme?x', user: { tenantId: 'acme' } };
    const req = { raw, headers: raw.headers, url: '/acme?x', hostname: 'acme.example.com' };
    const normalized = toTenancyRequest(req);
    expect(normalized).toMatchObject({ hostname: 'acme.example.com', path: '/acme', user: raw.user, raw: req });
  });

  it('strips ports and IPv6 brackets from the host, and takes the path of an absolute-form target', () => {
    expect(
      toTenancyRequest({ headers: { host: '[::1]:3000' }, url: 'http://acme.example.com/acme/x?y' }),
    ).toMatchObject({ hostname: '::1', path: '/acme/x' });
    expect(toTenancyRequest({ headers: { host: 'Acme.Example.com:8080' }, url: '/' }).hostname).toBe(
      'acme.example.com',
    );
  });

  it('turns a header Node joined from repeats back into an array, unless a middleware replaced it', () => {
    const headersDistinct = { 'x-tenant-id': ['acme', 'globex'], host: ['h'] };
    expect(
      toTenancyRequest({ headers: { 'x-tenant-id': 'acme, globex', host: 'h' }, headersDistinct, url: '/' }).headers[
        'x-tenant-id'
      ],
    ).toEqual(['acme', 'globex']);
    expect(
      toTenancyRequest({ headers: { 'x-tenant-id': 'acme', host: 'h' }, headersDistinct, url: '/' }).headers[
        'x-tenant-id'
      ],
    ).toBe('acme');
  });

  it('records the host of an absolute-form target as authority, normalized; none for origin-form', () => {
    expect(
      toTenancyRequest({ headers: { host: 'acme.example.com' }, url: 'http://Evil.Example.com:8080/x?y' }),
    ).toMatchObject({
      hostname: 'acme.example.com',
      authority: 'evil.example.com',
      path: '/x',
    });
    expect(toTenancyRequest({ headers: { host: 'h' }, url: 'http://[::1]:80/x' }).authority).toBe('::1');
    expect(toTenancyRequest({ headers: { host: 'h' }, url: '/x' })).not.toHaveProperty('authority');
    expect(toTenancyRequest({ headers: { host: 'h' }, url: '*' })).not.toHaveProperty('authority');
  });

  it('hands two Host headers (Node keeps only the first) to resolvers as an array', () => {
    const headersDistinct = { host: ['acme.example.com', 'globex.example.com'] };
    expect(toTenancyRequest({ headers: { host: 'acme.example.com' }, headersDistinct, url: '/' }).headers.host).toEqual(
      ['acme.example.com', 'globex.example.com'],
    );
    expect(toTenancyRequest({ headers: { host: 'acme.example.com' }, headersDistinct, url: '/' }).hostname).toBe(
      'acme.example.com',
    );
  });
});
