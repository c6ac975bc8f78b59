import {
  Body,
  Controller,
  type DynamicModule,
  Get,
  Injectable,
  Module,
  NotFoundException,
  type OnModuleDestroy,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { type Project, PrismaClient } from '../fixtures/generated/client';
import {
  SkipTenant,
  TenancyModule,
  type TenancyModuleOptions,
  TenantPrisma,
  type TenantStore,
  TenantRepository,
} from '../../lib';

/** Routes that keep tenants apart: the leak test must not report them. */
@Controller('projects')
class ProjectsController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  @Get()
  list() {
    return this.prisma.client.project.findMany({ include: { tasks: true } });
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const project = await this.prisma.client.project.findUnique({ where: { id }, include: { tasks: true } });
    // Echoes the id it was asked for: an echo is not a leak.
    if (!project) throw new NotFoundException(`Project "${id}" was not found.`);
    return project;
  }

  @Post()
  create(@Body() body: { name?: string }) {
    return this.prisma.client.project.create({ data: { name: body?.name ?? 'untitled' } });
  }
}

/** Shared plans, no tenant needed. */
@SkipTenant()
@Controller('public')
class PublicController {
  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  @Get('plans')
  plans() {
    return this.prisma.shared.plan.findMany();
  }
}

/** (iii) A per-process cache keyed by route, not by tenant: whoever asks first fills it for everyone. */
@Injectable()
class RouteCache {
  private readonly byRoute = new Map<string, unknown>();

  async get<T>(route: string, load: () => Promise<T>): Promise<T> {
    if (!this.byRoute.has(route)) this.byRoute.set(route, await load());
    return this.byRoute.get(route) as T;
  }
}

/**
 * (ii) A batching loader that keeps the Prisma client of the first request
 * that used it. A kept client alone does not leak with this package: under
 * RLS the one client reads the tenant from the context of each query, and
 * the schema and database strategies' per-tenant clients refuse to run in
 * another tenant's context (TenantMismatchError) or in none. What leaks is
 * the client kept together with the context it was taken in: the flush
 * timer started by the first request runs in that request's async context
 * for as long as the process lives (as a DataLoader or a queue started
 * lazily would), so every later request is served as the first tenant.
 */
@Injectable()
class ProjectLoader implements OnModuleDestroy {
  private db?: PrismaClient;
  private timer?: NodeJS.Timeout;
  private queue: { id: string; done: (project: Project | null) => void; fail: (error: unknown) => void }[] = [];

  constructor(private readonly prisma: TenantPrisma<PrismaClient>) {}

  load(id: string): Promise<Project | null> {
    this.db ??= this.prisma.client;
    this.timer ??= setInterval(() => void this.flush(), 5).unref();
    return new Promise((done, fail) => this.queue.push({ id, done, fail }));
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0);
    if (!batch.length) return;
    try {
      const rows = await this.db!.project.findMany({ where: { id: { in: batch.map((b) => b.id) } } });
      for (const b of batch) b.done(rows.find((r) => r.id === b.id) ?? null);
    } catch (error) {
      for (const b of batch) b.fail(error);
    }
  }
}

/** A repository, as apps write them: scoped by the package. */
@Injectable()
class ProjectRepository extends TenantRepository<PrismaClient> {
  count() {
    return this.db.project.count();
  }
}

@Controller('leaky')
class LeakyController {
  constructor(
    private readonly prisma: TenantPrisma<PrismaClient>,
    private readonly cache: RouteCache,
    private readonly loader: ProjectLoader,
    private readonly projects: ProjectRepository,
  ) {}

  /**
   * (i) Raw SQL without a tenant filter. Raw SQL is not rewritten by the
   * client extension: under RLS only the table's policies confine it, and the
   * RLS test database leaves `projects` without them. On the schema and
   * database strategies the tenant's search path or database confines it.
   */
  @Get('raw-projects')
  raw() {
    return this.prisma.client.$queryRaw<{ id: string; name: string }[]>`SELECT id, name FROM projects ORDER BY name`;
  }

  @Get('cached/projects')
  cached() {
    return this.cache.get('GET /leaky/cached/projects', () => this.prisma.client.project.findMany());
  }

  @Get('loader/projects/:id')
  async loaded(@Param('id') id: string) {
    return (await this.loader.load(id)) ?? { id, found: false };
  }

  /** A write through raw SQL with no tenant filter: renames another tenant's row where no policy stops it. */
  @Patch('rename/:id')
  async rename(@Param('id') id: string) {
    const updated = await this.prisma.client.$executeRaw`UPDATE projects SET name = 'renamed' WHERE id = ${id}`;
    return { updated };
  }

  @Get('count')
  async count() {
    return { projects: await this.projects.count() };
  }

  /** Answers 500: a warning in the report, not a leak. */
  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }
}

/** A store that knows no tenant: the tests give theirs inline with the testing kit, which replaces it. */
export class EmptyTenantStore implements TenantStore {
  async findById() {
    return null;
  }
}

/**
 * The leaky app. Its own options point at a database that does not exist and
 * a store that knows no tenant, as a real app's configuration would not fit a
 * test: `createTenancyTestingApp` replaces both.
 */
@Module({})
export class LeakyAppModule {
  static forRoot(options: Partial<TenancyModuleOptions<PrismaClient>> = {}): DynamicModule {
    return {
      module: LeakyAppModule,
      imports: [
        ClsModule.forRoot({ global: true, middleware: { mount: true } }),
        TenancyModule.forRoot({
          strategy: 'rls',
          databaseUrl: 'postgresql://nobody@127.0.0.1:1/not_a_database',
          createClient: (adapter) => new PrismaClient({ adapter }),
          store: new EmptyTenantStore(),
          sharedModels: ['Plan'],
          ...options,
        }),
      ],
      controllers: [ProjectsController, PublicController, LeakyController],
      providers: [RouteCache, ProjectLoader, ProjectRepository],
    };
  }
}
