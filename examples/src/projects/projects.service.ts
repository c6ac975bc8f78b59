import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ProjectRepository } from './project.repository';

/** Business rules of projects; knows nothing about tenants. */
@Injectable()
export class ProjectsService {
  constructor(private readonly projects: ProjectRepository) {}

  list() {
    return this.projects.list();
  }

  async get(id: string) {
    // Another tenant's project is invisible, so it is a plain 404.
    const project = await this.projects.findById(id);
    if (!project) throw new NotFoundException(`Project "${id}" was not found.`);
    return project;
  }

  create(input: { name?: unknown; tasks?: unknown }) {
    const name = requiredString(input.name, 'name');
    const tasks = input.tasks === undefined ? [] : input.tasks;
    if (!Array.isArray(tasks) || tasks.some((t) => typeof t !== 'string' || t.trim() === '')) {
      throw new BadRequestException('"tasks" must be an array of non-empty strings.');
    }
    return this.projects.create(name, tasks);
  }

  async addTask(projectId: string, input: { title?: unknown }) {
    const title = requiredString(input.title, 'title');
    await this.get(projectId);
    return this.projects.addTask(projectId, title);
  }
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new BadRequestException(`"${field}" must be a non-empty string.`);
  return value.trim();
}
