// The part of @nestjs/schedule (v6) the docs' snippets use.
import type { DynamicModule } from '@nestjs/common';

export declare function Cron(cronTime: string | Date, options?: { name?: string; timeZone?: string }): MethodDecorator;

export declare class ScheduleModule {
  static forRoot(): DynamicModule;
}
