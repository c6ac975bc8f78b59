import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { CurrentTenant, type Tenant } from '../../../lib';
import { ProjectsService } from './projects.service';

/**
 * Tenant-scoped routes. The global `TenantGuard` has resolved and checked the
 * tenant before any handler here runs; `@CurrentTenant()` reads it.
 */
@Controller('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  async list(@CurrentTenant('id') tenantId: string) {
    return { tenant: tenantId, projects: await this.projects.list() };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.projects.get(id);
  }

  @Post()
  async create(@CurrentTenant() tenant: Tenant, @Body() body: { name?: unknown; tasks?: unknown }) {
    const project = await this.projects.create(body ?? {});
    return { createdFor: tenant.name ?? tenant.id, project };
  }

  @Post(':id/tasks')
  addTask(@Param('id') id: string, @Body() body: { title?: unknown }) {
    return this.projects.addTask(id, body ?? {});
  }
}
