import type { INestApplication } from '@nestjs/common';
import { findTenantLeaks } from './find-tenant-leaks';
import { TenantLeakError } from './tenant-leak.error';
import type { TenantLeakTestOptions } from './tenant-leak.options';
import type { TenantLeakReport } from './tenant-leak.report';

/**
 * The automatic leak test: writes canary rows as one tenant, calls every
 * route of the app as another over real HTTP, and throws `TenantLeakError`,
 * listing each route and canary, when any answer showed the first tenant's
 * data (or, with `allowWrites`, when a write changed it). Resolves with the
 * report otherwise; 5xx answers and timeouts are in its `warnings`.
 *
 * ```ts
 * await expectNoTenantLeaks(app, { tenants: ['acme', 'globex'] });
 * ```
 *
 * The app must be initialised (`app.init()`); it is started on an ephemeral
 * port when it does not listen yet.
 */
export async function expectNoTenantLeaks(
  app: INestApplication,
  options: TenantLeakTestOptions,
): Promise<TenantLeakReport> {
  const report = await findTenantLeaks(app, options);
  if (report.leaks.length) throw new TenantLeakError(report);
  return report;
}
