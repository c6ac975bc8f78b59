import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TenantContext, TenantInactiveError, TenantPrisma } from '../../../lib';
import type { PrismaClient } from '../generated/client';
import { EXAMPLE_TENANTS } from '../tenants';

/** One tenant's line of the digest. */
export type DigestLine = { tenant: string; projects: number; openTasks: number } | { tenant: string; skipped: string };

/**
 * A background job with no HTTP request behind it: for each tenant it enters
 * the tenant with `TenantContext.run`, and everything inside (the repository,
 * `TenantPrisma.client`, the RLS setting on the connection) follows.
 *
 * Runs on demand (`POST /digest`), and every `DIGEST_INTERVAL_MS` when set.
 */
@Injectable()
export class DailyDigestService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DailyDigestService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly tenantContext: TenantContext,
    private readonly prisma: TenantPrisma<PrismaClient>,
  ) {}

  onApplicationBootstrap(): void {
    const every = Number(process.env.DIGEST_INTERVAL_MS);
    if (!(every > 0)) return;
    this.timer = setInterval(() => {
      this.runForAllTenants().then(
        (lines) => this.logger.log(JSON.stringify(lines)),
        (error: unknown) => this.logger.error(`digest failed: ${String(error)}`),
      );
    }, every);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * All tenants at once: each `run` has its own context, so concurrent runs
   * never see each other's tenant. Inactive tenants are refused by `run`
   * before the callback starts, and reported as skipped.
   */
  async runForAllTenants(): Promise<DigestLine[]> {
    return Promise.all(
      EXAMPLE_TENANTS.map((tenant) =>
        this.tenantContext
          .run(tenant.id, () => this.digestCurrentTenant())
          .catch((error: unknown): DigestLine => {
            if (error instanceof TenantInactiveError) return { tenant: tenant.id, skipped: error.message };
            throw error;
          }),
      ),
    );
  }

  private async digestCurrentTenant(): Promise<DigestLine> {
    const db = this.prisma.client;
    const [projects, openTasks] = await Promise.all([db.project.count(), db.task.count({ where: { done: false } })]);
    return { tenant: this.tenantContext.tenantId, projects, openTasks };
  }
}
