import { createParamDecorator } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { MissingTenantError } from '../errors/missing-tenant.error';
import type { Tenant } from '../store/tenant.interface';
import { CLS_TENANT } from '../tenancy.internal-constants';

/**
 * Injects the current tenant into a route handler parameter, or one of its
 * properties: `@CurrentTenant() tenant: Tenant`, `@CurrentTenant('id') id: string`.
 *
 * It reads the same CLS context as `TenantContext`, so it works wherever the
 * tenant was entered (by `TenantGuard` or `TenantContext.run()`). Throws
 * `MissingTenantError` (400) when there is none, for example on a
 * `@SkipTenant()` route, so a handler never gets `undefined` by surprise.
 * The tenant is deep-frozen and shared by every request of that tenant:
 * writing to it throws a `TypeError` (copy it to change it).
 * Default: the whole `Tenant`.
 */
export const CurrentTenant = createParamDecorator((property: keyof Tenant | undefined) => {
  // A param decorator has no injector; nestjs-cls exposes its service statically.
  const cls = ClsServiceManager.getClsService();
  const tenant = cls.isActive() ? cls.get<Tenant | undefined>(CLS_TENANT) : undefined;
  if (!tenant) throw new MissingTenantError();
  return property === undefined ? tenant : tenant[property];
});
