import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { envSchema, type Env } from './config.schema';

export type Mode = Env['NODE_ENV'];

/** The validated, typed configuration, built once at boot. */
export interface AppConfig {
  mode: Mode;
  port: number;
  publicUrl: string;
  adminToken: string;
  vaultMasterKey: Buffer;
  stateDir: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  logLevel: Env['LOG_LEVEL'];
  otlpEndpoint?: string;
  serviceName?: string;
  accessTokenTtlSeconds: number;
  signingKeyRotationDays: number;
  workerConcurrency: number;
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  mllpPort: number;
  sandboxPort: number;
  allowPrivateTargets: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads a development secret from the state directory, creating it on first use.
 * Only for development and test: production must pass secrets explicitly.
 */
function devSecret(stateDir: string, file: string, make: () => string): string {
  const path = join(stateDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return value;
}

/** Builds the config from an environment; throws ConfigError listing every problem. */
export function buildConfig(source: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const missing = production
    ? (['SB_ADMIN_TOKEN', 'SB_VAULT_MASTER_KEY', 'SB_PUBLIC_URL'] as const).filter((k) => env[k] === undefined)
    : [];
  if (missing.length > 0) throw new ConfigError(missing.map((k) => `${k}: required in production mode`));

  const stateDir = env.SB_STATE_DIR ?? join(homedir(), '.switchboard');
  return Object.freeze({
    mode: env.NODE_ENV,
    port: env.PORT,
    publicUrl: (env.SB_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    adminToken: env.SB_ADMIN_TOKEN ?? devSecret(stateDir, 'admin-token', () => `sbop_${randomBytes(24).toString('base64url')}`),
    vaultMasterKey: Buffer.from(
      env.SB_VAULT_MASTER_KEY ?? devSecret(stateDir, 'master.key', () => randomBytes(32).toString('base64')),
      'base64',
    ),
    stateDir,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.SB_REDIS_PREFIX,
    logLevel: env.LOG_LEVEL,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: env.OTEL_SERVICE_NAME,
    accessTokenTtlSeconds: env.SB_ACCESS_TOKEN_TTL_SECONDS,
    signingKeyRotationDays: env.SB_SIGNING_KEY_ROTATION_DAYS,
    workerConcurrency: env.SB_WORKER_CONCURRENCY,
    graphqlMaxDepth: env.SB_GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: env.SB_GRAPHQL_MAX_COMPLEXITY,
    mllpPort: env.SB_MLLP_PORT,
    sandboxPort: env.SB_SANDBOX_PORT,
    allowPrivateTargets: env.SB_ALLOW_PRIVATE_TARGETS ?? !production,
  });
}

let cached: AppConfig | undefined;

/** The process's config, built from `process.env` on first use (the one place it is read). */
export function loadConfig(): AppConfig {
  cached ??= buildConfig(process.env);
  return cached;
}

/** Overrides for child processes and tests: the variables as this process sees them. */
export const processEnv = (): Readonly<Record<string, string | undefined>> => ({ ...process.env });

const REDACTED = '[redacted]';
const SECRET_FIELDS: ReadonlySet<keyof AppConfig> = new Set(['adminToken', 'vaultMasterKey', 'databaseUrl', 'redisUrl']);

/** A printable copy of the config: secrets replaced, URLs stripped of credentials. */
export function redactConfig(config: AppConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config) as [keyof AppConfig, unknown][]) {
    if (key === 'databaseUrl' || key === 'redisUrl') out[key] = redactUrl(String(value));
    else out[key] = SECRET_FIELDS.has(key) ? REDACTED : value;
  }
  return out;
}

/** Drops the password and query from a URL (connection strings carry credentials there). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    u.search = '';
    return u.toString();
  } catch {
    return REDACTED;
  }
}
