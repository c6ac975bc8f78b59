// The part of @nestjs/config (v4) the docs' snippets use.
import type { DynamicModule } from '@nestjs/common';

export declare class ConfigModule {
  static forRoot(options?: { isGlobal?: boolean; envFilePath?: string | string[] }): Promise<DynamicModule>;
}

export declare class ConfigService {
  get<T = unknown>(propertyPath: string): T | undefined;
  get<T = unknown>(propertyPath: string, defaultValue: T): T;
  getOrThrow<T = unknown>(propertyPath: string): T;
}
