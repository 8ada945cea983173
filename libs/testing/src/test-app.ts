import type { DynamicModule, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { APP_CONFIG, buildConfig, ConfigModule, processEnv, type AppConfig } from '@sb/config';
import { DbModule } from '@sb/db';

/** The run id the jest global setup chose; Redis keys of this run start with it. */
export const testRunId = (): string => processEnv().SB_TEST_RUN_ID ?? 'local';

/** A Redis key prefix private to one test file of this run. */
export const testRedisPrefix = (file: string): string => `sbtest:${testRunId()}:${file.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** The config of the test run (fresh database, temp state dir) with per-test overrides. */
export const testConfig = (overrides: Record<string, string> = {}): AppConfig => buildConfig({ ...processEnv(), ...overrides });

/** A Nest testing module on the machine's real Postgres (the run's fresh database). */
export async function createTestingApp(
  imports: (Type | DynamicModule)[],
  overrides: Record<string, string> = {},
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, DbModule, ...imports] })
    .overrideProvider(APP_CONFIG)
    .useValue(testConfig(overrides))
    .compile();
  await moduleRef.init();
  return moduleRef;
}
