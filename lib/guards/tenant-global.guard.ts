import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ResolvedTenancyOptions } from '../options/resolved-options.interface';
import { TENANCY_RESOLVED_OPTIONS } from '../tenancy.internal-constants';
import { TenantGuard } from './tenant.guard';

/**
 * Registered as `APP_GUARD` by the module; delegates to `TenantGuard` unless
 * `globalGuard: false`, in which case the app places `TenantGuard` itself.
 * @internal
 */
@Injectable()
export class TenantGlobalGuard implements CanActivate {
  constructor(
    @Inject(TENANCY_RESOLVED_OPTIONS) private readonly options: ResolvedTenancyOptions,
    private readonly guard: TenantGuard,
  ) {}

  canActivate(context: ExecutionContext) {
    // No await before delegating: TenantGuard must start the CLS context synchronously.
    return this.options.globalGuard ? this.guard.canActivate(context) : true;
  }
}
