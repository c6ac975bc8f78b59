import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentTenantId } from '../context/current-tenant-id';

/**
 * Nest's `ConsoleLogger` with the current tenant on every line written in a
 * tenant's context: `[tenant:acme]` after the context in text mode, a
 * `tenantId` field in JSON mode (`json: true`). Lines written outside a
 * tenant (boot, `@SkipTenant()` routes) are unchanged.
 *
 * ```ts
 * const app = await NestFactory.create(AppModule, { logger: new TenantAwareLogger({ json: true }) });
 * ```
 *
 * Every `new Logger(Context.name)` in the app then writes through it.
 */
export class TenantAwareLogger extends ConsoleLogger {
  protected override formatContext(context: string): string {
    const formatted = super.formatContext(context);
    const tenantId = currentTenantId();
    return tenantId === undefined ? formatted : `${formatted}[tenant:${tenantId}] `;
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ): ReturnType<ConsoleLogger['getJsonLogObject']> & { tenantId?: string } {
    const object = super.getJsonLogObject(message, options);
    const tenantId = currentTenantId();
    return tenantId === undefined ? object : { ...object, tenantId };
  }
}
