import { ClsServiceManager, ContextClsStoreMap } from 'nestjs-cls';
import type { Tenant } from '../store/tenant.interface';
import { CLS_TENANT } from '../tenancy.internal-constants';

/**
 * The current tenant's id, or `undefined`; never throws. For loggers and
 * other code outside Nest's injection (a pino `mixin`, a `LoggerService`).
 *
 * Without an argument it reads the active CLS context. With a request (the
 * Express request, Fastify's request or its raw Node request) it reads the CLS
 * context of that request, whatever context is active: for callbacks that
 * run after the response, such as pino-http's `customProps`.
 */
export function currentTenantId(request?: object): string | undefined {
  if (request !== undefined) {
    const raw = (request as { raw?: object }).raw ?? request;
    const store = ContextClsStoreMap.getByRaw(raw) as Record<symbol, Tenant | undefined> | undefined;
    return store?.[CLS_TENANT]?.id;
  }
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.get<Tenant | undefined>(CLS_TENANT)?.id : undefined;
}
