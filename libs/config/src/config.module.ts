import { Global, Module } from '@nestjs/common';
import { loadConfig, type AppConfig } from './config';

/** Injection token for the typed config object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({
  providers: [{ provide: APP_CONFIG, useFactory: (): AppConfig => loadConfig() }],
  exports: [APP_CONFIG],
})
export class ConfigModule {}
