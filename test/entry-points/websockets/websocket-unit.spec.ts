import type { ExecutionContext } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  InvalidTenantIdError,
  MissingTenantError,
  TenancyConfigError,
  TenantInactiveError,
  TenantNotFoundError,
  websocketEntryPoint,
  WS_TENANCY_CLOSE_CODE_BASE,
} from '../../../lib';
import { admitSocket } from '../../../lib/entry-points/websockets/socket-tenants';
import { resolveWebSocketOptions } from '../../../lib/entry-points/websockets/websocket.options';
import type { TenantResolution } from '../../../lib';

function wsContext(client: unknown): ExecutionContext {
  return {
    getType: () => 'ws',
    switchToWs: () => ({ getClient: () => client, getData: () => ({}), getPattern: () => 'create' }),
  } as unknown as ExecutionContext;
}

const resolution = {} as TenantResolution;

describe('websocketEntryPoint', () => {
  const entry = websocketEntryPoint();

  it("serves 'ws' and returns the tenant the socket was admitted with", () => {
    const client = {};
    admitSocket(client, 'acme');
    expect(entry.type).toBe('ws');
    expect(entry.resolveTenantId(wsContext(client), resolution)).toBe('acme');
  });

  it('returns no tenant for a socket admitted without one (requireTenant: false)', () => {
    const client = {};
    admitSocket(client, undefined);
    expect(entry.resolveTenantId(wsContext(client), resolution)).toBeUndefined();
  });

  it('refuses a socket no tenancy adapter admitted, naming the adapters', () => {
    expect(() => entry.resolveTenantId(wsContext({}), resolution)).toThrow(MissingTenantError);
    expect(() => entry.resolveTenantId(wsContext({}), resolution)).toThrow(/TenancyIoAdapter or TenancyWsAdapter/);
  });

  it.each([
    [new MissingTenantError(), 'TENANT_REQUIRED', 400],
    [new InvalidTenantIdError(), 'TENANT_ID_INVALID', 400],
    [new TenantNotFoundError('nobody'), 'TENANT_NOT_FOUND', 404],
    [new TenantInactiveError('acme', 'suspended'), 'TENANT_INACTIVE', 403],
  ])('turns %p into a WsException with the HTTP code and status', (error, code, status) => {
    const exception = entry.toTransportError!(error, wsContext({}));
    expect(exception).toBeInstanceOf(WsException);
    expect((exception as WsException).getError()).toEqual({ error: code, statusCode: status, message: error.message });
  });

  it('documents its close codes as 4000 + status', () => {
    expect(WS_TENANCY_CLOSE_CODE_BASE).toBe(4000);
  });
});

describe('adapter options', () => {
  it('defaults to the resolvers only, tenant required', () => {
    expect(resolveWebSocketOptions(undefined, 'TenancyWsAdapter')).toEqual({
      queryParam: undefined,
      authField: undefined,
      requireTenant: true,
    });
  });

  it.each([
    [{ queryParam: '' }, 'TenancyIoAdapter.queryParam'],
    [{ queryParam: 7 }, 'TenancyIoAdapter.queryParam'],
    [{ authField: ' ' }, 'TenancyIoAdapter.authField'],
    [{ requireTenant: 'no' }, 'TenancyIoAdapter.requireTenant'],
  ])('refuses %p at boot, naming %s', (options, field) => {
    expect(() => resolveWebSocketOptions(options as never, 'TenancyIoAdapter')).toThrow(TenancyConfigError);
    expect(() => resolveWebSocketOptions(options as never, 'TenancyIoAdapter')).toThrow(field);
  });
});

describe('the root entry point', () => {
  it('loads neither @nestjs/websockets nor a platform nor ws or socket.io (optional peers)', () => {
    const script =
      "require('@nestjs/core'); const before = new Set(Object.keys(require.cache));" +
      "const root = require('./lib'); root.websocketEntryPoint(); root.socketTenantId({});" +
      'const loaded = Object.keys(require.cache).filter((f) => !before.has(f) && /node_modules[\\\\/](ws|socket\\.io|engine\\.io|@nestjs[\\\\/](websockets|platform-ws|platform-socket\\.io))[\\\\/]/.test(f));' +
      'process.stdout.write(JSON.stringify(loaded));';
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: join(__dirname, '..', '..', '..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([]);
  }, 60_000);
});
