/** What the deployment files are checked against: the code's own config variables, processes and api paths. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig, ConfigError } from '@sb/config';
import { envSchema } from '../../libs/config/src/config.schema';

export const ROOT = join(__dirname, '..', '..');
export const CHART = join(ROOT, 'deploy', 'helm', 'switchboard');
export const read = (...parts: string[]): string => readFileSync(join(ROOT, ...parts), 'utf8');

export type Env = Record<string, string | undefined>;
// Parsed YAML is checked field by field below; its shape is what the test asserts.
export type Yaml = any;

/** Every variable libs/config reads. */
export const CONFIG_VARIABLES: ReadonlySet<string> = new Set(Object.keys(envSchema.shape));

/** Variables production mode refuses to run without, as buildConfig itself reports them. */
export function requiredInProduction(): string[] {
  try {
    buildConfig({ NODE_ENV: 'production' });
  } catch (e) {
    if (e instanceof ConfigError) {
      return e.problems.flatMap((p) => /^([A-Z0-9_]+): required in production mode$/.exec(p)?.[1] ?? []);
    }
    throw e;
  }
  return [];
}
export const REQUIRED = requiredInProduction();

/** Values that pass the config's checks, standing in for the secrets an operator provides. */
export const TEST_SECRETS: Env = {
  SB_ADMIN_TOKEN: 'test-admin-token-000000000000000000000000',
  SB_VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  POSTGRES_PASSWORD: 'testpassword',
};

/** The processes `npm start` runs and the entry file of each (scripts/start.ts). */
export function startedProcesses(): { apps: string[]; entry: (app: string) => string; migrate: string[] } {
  const source = read('scripts', 'start.ts');
  const list = /const APPS = \[([^\]]+)\] as const/.exec(source)?.[1];
  if (list === undefined) throw new Error('scripts/start.ts no longer declares `const APPS = [...] as const`');
  const apps = [...list.matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1] as string);
  expect(source).toContain("distPath('apps', name, 'src', 'main.js')");
  expect(source).toContain("distPath('scripts', 'db-migrate.js'), ['--experimental-wasm-modules'");
  return { apps, entry: (app) => `dist/apps/${app}/src/main.js`, migrate: ['--experimental-wasm-modules', 'dist/scripts/db-migrate.js'] };
}
export const PROCESSES = startedProcesses();

/** Paths the api serves, from the OpenAPI document its controllers generate (api-schemas.int-spec keeps it current). */
export const API_PATHS: ReadonlySet<string> = new Set(Object.keys((JSON.parse(read('apps', 'console', 'src', 'api', 'openapi.json')) as { paths: object }).paths));
