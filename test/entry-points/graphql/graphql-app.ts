import {
  type CanActivate,
  type DynamicModule,
  Inject,
  Injectable,
  type INestApplication,
  Module,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import {
  Args,
  Context,
  Field,
  GraphQLModule,
  Mutation,
  ObjectType,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { PrismaClient } from '../../fixtures/generated/client';
import {
  currentTenantId,
  formatTenancyError,
  SkipTenant,
  TenancyModule,
  TenantContext,
  TenantPrisma,
  TenantPubSub,
  tenantTopic,
  type TenancyModuleOptions,
  type TenantEntryPoint,
} from '../../../lib';
import { TEST_TENANTS } from '../../strategies/rls/rls-app';
import { MemoryPubSub } from './memory-pub-sub';

export type GraphqlDriverName = 'apollo' | 'mercurius';

/** What a resolver did: the tenant it ran in and the rows that tenant sees. */
export interface ResolverCall {
  resolver: string;
  tenant: string | null;
  name?: string;
}

@ObjectType('Seen')
class Seen {
  @Field(() => String, { nullable: true }) tenant!: string | null;
  /** Names of the projects the tenant sees (after the mutation's write). */
  @Field(() => [String]) names!: string[];
}

@ObjectType('ProjectEvent')
class ProjectEvent {
  @Field() name!: string;
  /** The tenant that published the event. */
  @Field(() => String, { nullable: true }) tenant!: string | null;
}

const CALLS = 'CALLS';
const DRIVER = 'DRIVER';
const PUB_SUB = 'PUB_SUB';

interface MercuriusPubSubLike {
  publish(event: { topic: string; payload: unknown }): Promise<void> | void;
  subscribe(topic: string): Promise<AsyncIterableIterator<unknown>>;
}

@Resolver(() => Seen)
class ProjectsResolver {
  constructor(
    private readonly prisma: TenantPrisma<PrismaClient>,
    @Inject(PUB_SUB) private readonly pubSub: TenantPubSub<MemoryPubSub>,
    @Inject(CALLS) private readonly calls: ResolverCall[],
    @Inject(DRIVER) private readonly driver: GraphqlDriverName,
    private readonly tenantContext: TenantContext,
  ) {}

  private async seen(resolver: string, name?: string): Promise<Seen> {
    const tenant = currentTenantId() ?? null;
    // A hop through the event loop, so two tenants' operations really interleave.
    await new Promise((resolve) => setImmediate(resolve));
    const names = (await this.prisma.client.project.findMany({ select: { name: true } })).map((p) => p.name);
    this.calls.push({ resolver, tenant, name });
    return { tenant, names };
  }

  @Query(() => Seen)
  projects(): Promise<Seen> {
    return this.seen('projects');
  }

  @Query(() => Seen)
  projectsAgain(): Promise<Seen> {
    return this.seen('projectsAgain');
  }

  @Mutation(() => Seen)
  async addProject(@Args('name') name: string, @Context() context: { pubsub?: MercuriusPubSubLike }): Promise<Seen> {
    await this.prisma.client.project.create({ data: { name } });
    const event = { projectAdded: { name, tenant: currentTenantId() ?? null } };
    if (this.driver === 'mercurius')
      await context.pubsub!.publish({ topic: tenantTopic('projectAdded'), payload: event });
    else await this.pubSub.publish('projectAdded', event);
    return this.seen('addProject', name);
  }

  /** No tenant checked, then a tenant-scoped query: the client refuses it (MissingTenantError, inside the resolver). */
  @SkipTenant()
  @Query(() => Seen)
  unscoped(): Promise<Seen> {
    return this.seen('unscoped');
  }

  /** Runs as another tenant, named by the client: TenantContext.run's lookup refuses what is not active. */
  @Query(() => Seen)
  asTenant(@Args('id') id: string): Promise<Seen> {
    return this.tenantContext.run(id, () => this.seen('asTenant'));
  }

  @SkipTenant()
  @Query(() => String)
  ping(): string {
    this.calls.push({ resolver: 'ping', tenant: currentTenantId() ?? null });
    return currentTenantId() ?? 'none';
  }

  @Subscription(() => ProjectEvent)
  async projectAdded(@Context() context: { pubsub?: MercuriusPubSubLike }): Promise<AsyncIterableIterator<unknown>> {
    const iterator =
      this.driver === 'mercurius'
        ? await context.pubsub!.subscribe(tenantTopic('projectAdded'))
        : this.pubSub.asyncIterableIterator('projectAdded');
    this.calls.push({ resolver: 'projectAdded', tenant: currentTenantId() ?? null });
    return iterator;
  }

  /** A field resolver querying the database: it runs after the query resolver, outside its interceptor. */
  @ResolveField(() => [String])
  async namesAgain(): Promise<string[]> {
    return (await this.prisma.client.project.findMany({ select: { name: true } })).map((p) => p.name);
  }
}

@Resolver(() => ProjectEvent)
class ProjectEventResolver {
  /** Resolved for every event delivered, by the driver's loop: in the tenant only with `fieldResolverEnhancers`. */
  @ResolveField(() => String, { nullable: true })
  async seenBy(): Promise<string | null> {
    await new Promise((resolve) => setImmediate(resolve));
    return currentTenantId() ?? null;
  }
}

/** An async guard that runs before TenantGuard, as a global JWT guard would. */
@Injectable()
class SlowAuthGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return true;
  }
}
@Module({ providers: [{ provide: APP_GUARD, useClass: SlowAuthGuard }] })
class SlowAuthModule {}

export interface BootGraphqlOptions {
  driver: GraphqlDriverName;
  databaseUrl: string;
  tenancy?: Partial<TenancyModuleOptions<PrismaClient>>;
  entryPoints?: TenantEntryPoint[];
  /** An app guard that awaits, registered before TenantGuard. */
  slowGuard?: boolean;
  /** `fieldResolverEnhancers: ['guards', 'interceptors']`: guards and interceptors run for field resolvers too. */
  fieldEnhancers?: boolean;
  /** Apollo only: on Fastify instead of Express. */
  platform?: 'express' | 'fastify';
}

export interface GraphqlTestApp {
  app: INestApplication;
  url: string;
  wsUrl: string;
  calls: ResolverCall[];
  /** Apollo: the engine under `TenantPubSub`, with the trigger names used. */
  engine: MemoryPubSub;
  close(): Promise<void>;
}

function graphqlModule(driver: GraphqlDriverName, fieldEnhancers: boolean): DynamicModule {
  const fieldResolverEnhancers: ('guards' | 'interceptors')[] = fieldEnhancers ? ['guards', 'interceptors'] : [];
  return driver === 'apollo'
    ? GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        fieldResolverEnhancers,
        graphiql: false,
        subscriptions: { 'graphql-ws': true },
        formatError: formatTenancyError,
      })
    : GraphQLModule.forRoot<MercuriusDriverConfig>({
        driver: MercuriusDriver,
        autoSchemaFile: true,
        fieldResolverEnhancers,
        graphiql: false,
        subscription: true,
        // Its query cache loads quick-lru with import(), which Jest's CommonJS VM cannot run.
        cache: false,
      });
}

/**
 * A Nest app with the package on the test database and the resolvers above:
 * Apollo on Express or Mercurius on Fastify, listening on 127.0.0.1.
 */
export async function bootGraphqlApp(options: BootGraphqlOptions): Promise<GraphqlTestApp> {
  const calls: ResolverCall[] = [];
  const engine = new MemoryPubSub();
  const imports: (Type | DynamicModule)[] = [
    TenancyModule.forRoot({
      strategy: 'rls',
      databaseUrl: options.databaseUrl,
      createClient: (adapter) => new PrismaClient({ adapter }),
      tenants: TEST_TENANTS,
      sharedModels: ['Plan'],
      ...(options.entryPoints ? { entryPoints: options.entryPoints } : {}),
      ...options.tenancy,
    }),
    graphqlModule(options.driver, options.fieldEnhancers ?? false),
  ];
  if (options.slowGuard) imports.unshift(SlowAuthModule);
  const moduleRef = await Test.createTestingModule({
    imports,
    providers: [
      ProjectsResolver,
      ProjectEventResolver,
      { provide: CALLS, useValue: calls },
      { provide: DRIVER, useValue: options.driver },
      { provide: PUB_SUB, useValue: new TenantPubSub(engine) },
    ],
  }).compile();
  const app =
    options.driver === 'mercurius' || options.platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter())
      : moduleRef.createNestApplication();
  app.useLogger(false);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    calls,
    engine,
    close: () => app.close(),
  };
}
