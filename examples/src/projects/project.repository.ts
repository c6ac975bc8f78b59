import { Injectable } from '@nestjs/common';
import { TenantRepository } from '../../../lib';
import type { PrismaClient } from '../generated/client';

/**
 * Data access for projects. `this.db` is the current tenant's client: no
 * `where: { tenantId }` anywhere, the package adds it and the database
 * policies enforce it.
 */
@Injectable()
export class ProjectRepository extends TenantRepository<PrismaClient> {
  list() {
    return this.db.project.findMany({
      orderBy: [{ createdAt: 'asc' }, { name: 'asc' }],
      include: { _count: { select: { tasks: true } } },
    });
  }

  findById(id: string) {
    return this.db.project.findUnique({ where: { id }, include: { tasks: { orderBy: { title: 'asc' } } } });
  }

  create(name: string, taskTitles: string[]) {
    return this.db.project.create({
      data: { name, tasks: { create: taskTitles.map((title) => ({ title })) } },
      include: { tasks: true },
    });
  }

  addTask(projectId: string, title: string) {
    // The foreign key is (tenant_id, project_id): a project id of another
    // tenant fails in the database even if the service forgot to check.
    // The unchecked form (`projectId`) is needed: with the tenant column in the
    // relation, Prisma's `project: { connect }` form takes no `tenantId`,
    // and the package adds one to every create.
    return this.db.task.create({ data: { projectId, title } });
  }
}
