import { Inject } from '@nestjs/common';
import { TenantPrisma } from '../prisma/tenant-prisma.service';

/**
 * Base class for repositories: `this.db` is the current tenant's Prisma
 * client. The dependency is property-injected, so a subclass needs no
 * constructor:
 *
 * ```ts
 * @Injectable()
 * export class ProjectRepository extends TenantRepository<PrismaClient> {
 *   list() { return this.db.project.findMany(); }
 * }
 * ```
 */
export abstract class TenantRepository<TClient = unknown> {
  @Inject(TenantPrisma) private readonly tenantPrisma!: TenantPrisma<TClient>;

  /** The current tenant's client. Throws `MissingTenantError` when no tenant is set. */
  protected get db(): TClient {
    return this.tenantPrisma.client;
  }
}
