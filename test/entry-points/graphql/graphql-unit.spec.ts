import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ClsServiceManager } from 'nestjs-cls';
import { GraphQLError } from 'graphql';
import {
  graphqlEntryPoint,
  InvalidTenantIdError,
  MissingTenantError,
  type PubSubEngineLike,
  TenancyConfigError,
  TenantNotFoundError,
  TenantPubSub,
  tenantTopic,
} from '../../../lib';
import { connectionRequest, graphqlOrigin } from '../../../lib/entry-points/graphql/graphql-operation';
import { CLS_TENANT } from '../../../lib/tenancy.internal-constants';
import { MemoryPubSub } from './memory-pub-sub';

/** Runs `fn` with `tenantId` current, as the guard leaves it for a resolver. */
function asTenant<T>(tenantId: string | undefined, fn: () => T): T {
  const cls = ClsServiceManager.getClsService();
  return cls.run(() => {
    if (tenantId) cls.set(CLS_TENANT, { id: tenantId, status: 'active' });
    return fn();
  });
}

describe('tenantTopic and TenantPubSub', () => {
  it('scopes names by tenant, URI-encoding the id so that no two tenants share a name', () => {
    expect(tenantTopic('projectAdded', 'acme')).toBe('tenant:acme:projectAdded');
    // With a custom id pattern allowing ':', "a:b" + "c" and "a" + "b:c" must not meet.
    expect(tenantTopic('c', 'a:b')).not.toBe(tenantTopic('b:c', 'a'));
    expect(asTenant('acme', () => tenantTopic('x'))).toBe('tenant:acme:x');
  });

  it('refuses to name a topic outside a tenant, or for an empty id', () => {
    expect(() => asTenant(undefined, () => tenantTopic('x'))).toThrow(MissingTenantError);
    expect(() => tenantTopic('x', '')).toThrow(InvalidTenantIdError);
  });

  it("delivers an event only to the publishing tenant's iterators", async () => {
    const engine = new MemoryPubSub();
    const pubSub = new TenantPubSub(engine);
    const a = asTenant('acme', () => pubSub.asyncIterableIterator<string>(['one', 'two']));
    const b = asTenant('globex', () => pubSub.asyncIterator<string>('one'));
    await asTenant('globex', () => pubSub.publish('one', 'globex-1'));
    await asTenant('acme', () => pubSub.publish('two', 'acme-2'));
    await pubSub.publishTo('acme', 'one', 'acme-1');
    expect(await a.next()).toEqual({ value: 'acme-2', done: false });
    expect(await a.next()).toEqual({ value: 'acme-1', done: false });
    expect(await b.next()).toEqual({ value: 'globex-1', done: false });
    await a.return!();
    await b.return!();
    expect(engine.published).toEqual(['tenant:globex:one', 'tenant:acme:two', 'tenant:acme:one']);
  });

  it('refuses to publish or subscribe outside a tenant (no unscoped name is ever used)', async () => {
    const engine = new MemoryPubSub();
    const pubSub = new TenantPubSub(engine);
    await expect(asTenant(undefined, () => pubSub.publish('one', 1))).rejects.toThrow(MissingTenantError);
    expect(() => asTenant(undefined, () => pubSub.asyncIterableIterator('one'))).toThrow(MissingTenantError);
    expect(engine.published).toEqual([]);
    expect(engine.subscribed).toEqual([]);
  });

  it('uses graphql-subscriptions 2 engines (asyncIterator only)', () => {
    const triggers: unknown[] = [];
    const legacy: PubSubEngineLike = {
      publish: () => undefined,
      asyncIterator: <T>(t: string | string[]) => {
        triggers.push(t);
        return {} as AsyncIterator<T>;
      },
    };
    asTenant('acme', () => new TenantPubSub(legacy).asyncIterableIterator('x'));
    expect(triggers).toEqual([['tenant:acme:x']]);
  });
});

describe('graphqlOrigin: where an operation came from, per driver', () => {
  const request = { headers: { host: 'acme.example.com', 'x-tenant-id': 'acme' }, url: '/graphql' };

  it('finds the HTTP request: Apollo { req }, Mercurius { req, reply }, reply.request', () => {
    expect(graphqlOrigin({ req: request })).toEqual({ transport: 'http', request });
    expect(graphqlOrigin({ reply: { request } })).toEqual({ transport: 'http', request });
    expect(graphqlOrigin(undefined)).toEqual({ transport: 'none' });
    expect(graphqlOrigin({ user: {} })).toEqual({ transport: 'none' });
  });

  it("finds graphql-ws's context itself, under Apollo's req, and Mercurius's connection", () => {
    const ws = { connectionParams: { a: 1 }, extra: { request }, connectionInitReceived: true, subscriptions: {} };
    for (const context of [ws, { req: ws }])
      expect(graphqlOrigin(context)).toMatchObject({ transport: 'ws', connectionParams: { a: 1 }, upgrade: request });
    expect(graphqlOrigin({ _connectionInit: { b: 2 }, request, user: 'u' })).toEqual({
      transport: 'ws',
      connectionParams: { b: 2 },
      upgrade: request,
      user: 'u',
    });
    // An app's own context keeping the parameters (`context: ({ connectionParams, extra }) => ...`).
    expect(graphqlOrigin({ connectionParams: { c: 3 }, req: request })).toMatchObject({
      transport: 'ws',
      connectionParams: { c: 3 },
      upgrade: request,
    });
  });

  it('lays the connection headers over the upgrade headers; a conflict is a repeated header', () => {
    const origin = (params: unknown, upgradeHeaders: Record<string, string> = {}) =>
      ({
        transport: 'ws',
        connectionParams: params,
        upgrade: { headers: { host: 'acme.example.com:3000', ...upgradeHeaders }, url: '/graphql' },
        user: undefined,
      }) as const;
    const flat = connectionRequest(origin({ 'X-Tenant-Id': 'acme' }), true);
    expect(flat).toMatchObject({ hostname: 'acme.example.com', path: '/graphql', headers: { 'x-tenant-id': 'acme' } });
    expect(connectionRequest(origin({ headers: { 'x-tenant-id': 'acme' } }), true).headers['x-tenant-id']).toBe('acme');
    // Mercurius copied it over already: one value, not two.
    expect(connectionRequest(origin({ 'x-tenant-id': 'acme' }, { 'x-tenant-id': 'acme' }), true).headers).toMatchObject(
      {
        'x-tenant-id': 'acme',
      },
    );
    expect(
      connectionRequest(origin({ 'x-tenant-id': 'acme' }, { 'x-tenant-id': 'globex' }), true).headers,
    ).toMatchObject({ 'x-tenant-id': ['globex', 'acme'] });
    // connectionParams: false: the upgrade request alone.
    expect(connectionRequest(origin({ 'x-tenant-id': 'acme' }), false).headers['x-tenant-id']).toBeUndefined();
  });
});

describe('graphqlEntryPoint', () => {
  it('turns a refusal into a GraphQLError with the code and status, and no stack frames', () => {
    const error = graphqlEntryPoint().toTransportError!(new TenantNotFoundError('acme'), {} as never) as GraphQLError;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.extensions).toEqual({ code: 'TENANT_NOT_FOUND', statusCode: 404 });
    expect(error.stack).not.toMatch(/\bat /);
  });

  it('checks its options at boot', () => {
    expect(() => graphqlEntryPoint({ connectionParams: 'yes' as never })).toThrow(TenancyConfigError);
  });
});

describe('the root entry point', () => {
  it('loads neither graphql nor a GraphQL driver (optional peers)', () => {
    const script =
      "require('@nestjs/core'); const before = new Set(Object.keys(require.cache));" +
      "const root = require('./lib'); root.graphqlEntryPoint(); new root.TenantPubSub({ publish() {} });" +
      'const loaded = Object.keys(require.cache).filter((f) => !before.has(f) && /node_modules[\\\\/](graphql|graphql-ws|@nestjs[\\\\/](graphql|apollo|mercurius)|mercurius|@apollo)[\\\\/]/.test(f));' +
      'process.stdout.write(JSON.stringify(loaded));';
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: join(__dirname, '..', '..', '..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([]);
  }, 60_000);
});
