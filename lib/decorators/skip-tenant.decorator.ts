import { type CustomDecorator, SetMetadata } from '@nestjs/common';
import { SKIP_TENANT_METADATA } from '../tenancy.constants';

/**
 * Marks a route, or every route of a controller, as needing no tenant:
 * `TenantGuard` lets it through without resolving one (health checks, sign-up,
 * webhooks). A tenant-scoped query inside it still fails with
 * `MissingTenantError` unless you enter a tenant with `TenantContext.run()`.
 *
 * On a method it overrides the class: `@SkipTenant(false)` on one route of a
 * skipped controller makes that route need a tenant again. Default: `true`.
 */
export const SkipTenant = (skip = true): CustomDecorator<string> => SetMetadata(SKIP_TENANT_METADATA, skip);
