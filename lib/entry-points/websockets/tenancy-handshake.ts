import { type INestApplicationContext, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ClsServiceManager } from 'nestjs-cls';
import { TenantContext } from '../../context/tenant-context.service';
import { MissingTenantError } from '../../errors/missing-tenant.error';
import { TenancyError } from '../../errors/tenancy.error';
import { TenantResolution } from '../../resolvers/tenant-resolution.service';
import { TenantCache } from '../../store/tenant-cache.service';
import type { Tenant } from '../../store/tenant.interface';
import { handshakeTenantId } from './handshake-tenant';
import { admitSocket } from './socket-tenants';
import type { ResolvedWebSocketTenancyOptions } from './websocket.options';
import { wsErrorBody, type WsTenancyErrorBody } from './ws-transport-error';

interface Services {
  resolution: TenantResolution;
  tenants: TenantCache;
  context: TenantContext;
}

/**
 * The connect-time check both adapters run on a handshake, with the same
 * answers as HTTP: resolve (resolvers, then the configured query parameter
 * and auth field), validate and look up through `TenantCache.getActive`.
 * @internal
 */
export class TenancyHandshake {
  private readonly logger = new Logger('TenancyWebSockets');
  private services?: Services;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly options: ResolvedWebSocketTenancyOptions,
  ) {}

  /**
   * The socket's tenant (`undefined` when it names none and `requireTenant` is
   * off), recorded for the 'ws' entry point; throws the refusal otherwise.
   */
  async admit(client: object, request: IncomingMessage, auth: unknown): Promise<Readonly<Tenant> | undefined> {
    const { resolution, tenants } = this.get();
    const id = await handshakeTenantId(resolution, request, auth, this.options);
    let tenant: Readonly<Tenant> | undefined;
    if (id !== undefined) tenant = await tenants.getActive(id);
    else if (this.options.requireTenant)
      throw new MissingTenantError('This connection needs a tenant, and its handshake names none.');
    admitSocket(client, tenant?.id);
    return tenant;
  }

  /**
   * Runs `fn` in a fresh CLS context with the tenant set: the gateways'
   * `handleConnection` runs in it (Nest calls it synchronously from the
   * connection, which `fn` triggers).
   */
  runAs(tenant: Readonly<Tenant> | undefined, fn: () => void): void {
    const cls = ClsServiceManager.getClsService();
    cls.run({ ifNested: 'override' }, () => {
      if (tenant) this.get().context.enter(tenant);
      fn();
    });
  }

  /** The body a refused handshake gets; an unexpected failure is logged and answered without details. */
  refusal(error: unknown): WsTenancyErrorBody | undefined {
    if (error instanceof TenancyError) return wsErrorBody(error);
    this.logger.error(error);
    return undefined;
  }

  // The package's providers, found once the app is up (adapters are built in
  // main.ts, before the first connection): TenancyModule is global.
  private get(): Services {
    this.services ??= {
      resolution: this.app.get(TenantResolution, { strict: false }),
      tenants: this.app.get(TenantCache, { strict: false }),
      context: this.app.get(TenantContext, { strict: false }),
    };
    return this.services;
  }
}
