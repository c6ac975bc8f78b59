import { Module } from '@nestjs/common';
import { ProjectRepository } from './project.repository';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

// TenancyModule is global, so TenantPrisma reaches the repository without an import here.
@Module({
  controllers: [ProjectsController],
  providers: [ProjectsService, ProjectRepository],
})
export class ProjectsModule {}
