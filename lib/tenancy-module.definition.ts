import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TenancyModuleExtras, TenancyModuleOptions } from './options/tenancy-options.interface';

// Nest's builder gives forRoot/forRootAsync with useFactory, useClass and
// useExisting; `isGlobal` (default true) makes the providers injectable everywhere.
export const {
  ConfigurableModuleClass: ConfigurableTenancyModule,
  MODULE_OPTIONS_TOKEN: TENANCY_MODULE_OPTIONS,
  OPTIONS_TYPE: TENANCY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TENANCY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TenancyModuleOptions<any>>({ moduleName: 'Tenancy' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTenancyOptions')
  .setExtras<TenancyModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
