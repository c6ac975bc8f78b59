import { type DynamicModule, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { TenancyModule } from '../../lib';
import { DailyDigestService } from './digest/daily-digest.service';
import { DigestController } from './digest/digest.controller';
import { PrismaClient } from './generated/client';
import { HealthModule } from './health/health.module';
import { PlansController } from './plans/plans.controller';
import { ProjectsModule } from './projects/projects.module';
import { EXAMPLE_TENANTS } from './tenants';

@Module({})
export class AppModule {
  /** The app, connected as `databaseUrl`: the app role, never the table owner. */
  static forDatabase(databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Optional but recommended: a CLS context per request, started by
        // nestjs-cls's middleware, in which the guard then sets the tenant.
        ClsModule.forRoot({ global: true, middleware: { mount: true } }),
        TenancyModule.forRoot({
          strategy: 'rls',
          databaseUrl,
          createClient: (adapter) => new PrismaClient({ adapter }),
          tenants: EXAMPLE_TENANTS,
          sharedModels: ['Plan'],
          // `x-tenant-id: acme` first, then `acme.localhost`.
          resolvers: [{ type: 'header' }, { type: 'subdomain', baseDomain: 'localhost' }],
        }),
        ProjectsModule,
        HealthModule,
      ],
      controllers: [PlansController, DigestController],
      providers: [DailyDigestService],
    };
  }
}
