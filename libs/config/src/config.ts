import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { envSchema, type Env } from './config.schema';

export type Mode = Env['NODE_ENV'];

/** Where key-encryption keys live; the vault wraps every data key with one. */
export type KmsSettings =
  | { provider: 'local'; primaryKey: Buffer; previousKeys: Buffer[] }
  | {
      provider: 'aws-kms';
      keyId: string;
      region: string;
      endpoint?: string;
      credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    }
  | { provider: 'vault-transit'; address: string; token: string; keyName: string; mountPath: string; namespace?: string };

/** TLS for the MLLP listener: file paths only (apps/mllp reads and checks the files at startup). */
export interface MllpTlsConfig {
  certFile: string;
  keyFile: string;
  /** CAs client certificates are verified against; without it no client certificate is asked for. */
  caFile?: string;
  /** Refuse clients without a verified certificate (needs `caFile`). */
  requireClientCert: boolean;
}

/** Where Bulk Data export files are stored (libs/storage builds the driver from this). */
export type ExportStorageSettings =
  | { driver: 'local'; /** Absolute root directory of the objects. */ dir: string }
  | {
      driver: 's3';
      bucket: string;
      region: string;
      /** An S3-compatible endpoint; unset: AWS S3 for `region`. */
      endpoint?: string;
      forcePathStyle: boolean;
      /** Secret: redacted by `redactConfig`. */
      credentials: { accessKeyId: string; secretAccessKey: string };
    };

/** The validated, typed configuration, built once at boot. */
export interface AppConfig {
  mode: Mode;
  port: number;
  publicUrl: string;
  adminToken: string;
  vaultMasterKey: Buffer;
  /** SB_VAULT_PREVIOUS_MASTER_KEYS: earlier master keys, still tried when opening what an earlier key sealed. */
  previousMasterKeys: readonly Buffer[];
  /** SB_KEYED_HASH_KEY (default: the master key): keys the stored lookup hashes, so it outlives master key changes. */
  keyedHashKey: Buffer;
  kms: KmsSettings;
  secretCacheTtlSeconds: number;
  secretCacheMaxEntries: number;
  stateDir: string;
  databaseUrl: string;
  /** `SB_DB_STATEMENT_TIMEOUT_MS`: Postgres ends a hot-path statement, or a hot-path transaction left idle, after this. */
  dbStatementTimeoutMs: number;
  redisUrl: string;
  redisPrefix: string;
  logLevel: Env['LOG_LEVEL'];
  otlpEndpoint?: string;
  serviceName?: string;
  traceSampleRatio: number;
  accessTokenTtlSeconds: number;
  signingKeyRotationDays: number;
  workerConcurrency: number;
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  mllpPort: number;
  mllpMaxMessageBytes: number;
  webhookLeaseMs: number;
  /** Express `trust proxy` (SB_TRUST_PROXY): decides req.ip and req.secure behind a TLS-terminating proxy. */
  trustProxy: boolean | number | string;
  /** How often the health monitor checks each live connection; 0: the monitor is off. */
  healthCheckIntervalMs: number;
  /** How long finished Bulk Data exports keep their files. */
  bulkExportRetentionMs: number;
  /** Set when SB_MLLP_TLS_CERT and SB_MLLP_TLS_KEY are: the listener speaks TLS. */
  mllpTls?: MllpTlsConfig;
  consoleIdleTimeoutMs: number;
  consoleAbsoluteTimeoutMs: number;
  sandboxPort: number;
  /** Where the gateway reaches the simulated EHRs (and where they are reachable from). */
  sandboxUrl: string;
  /** SB_SANDBOX_MLLP_PORT, when set: where the sandbox's HL7 site takes orders and notes over MLLP. */
  sandboxMllpPort?: number;
  allowPrivateTargets: boolean;
  /** SB_EXPORT_STORAGE and its driver's settings. */
  exportStorage: ExportStorageSettings;
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
/** A development secret kept in the state directory (mode 0600), made once. */
export function devSecret(stateDir: string, file: string, make: () => string): string {
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
  const problems = [
    ...(production ? (['SB_ADMIN_TOKEN', 'SB_VAULT_MASTER_KEY', 'SB_PUBLIC_URL'] as const) : [])
      .filter((k) => env[k] === undefined)
      .map((k) => `${k}: required in production mode`),
    ...requiredForKms(env)
      .filter((k) => env[k] === undefined)
      .map((k) => `${k}: required with SB_KMS_PROVIDER=${env.SB_KMS_PROVIDER}`),
    ...mllpTlsProblems(env),
    // Without it the stored lookup hashes would quietly follow the new master key and stop matching.
    ...((env.SB_VAULT_PREVIOUS_MASTER_KEYS ?? '').trim() !== '' && env.SB_KEYED_HASH_KEY === undefined
      ? ['SB_KEYED_HASH_KEY: required with SB_VAULT_PREVIOUS_MASTER_KEYS: set it to the master key the stored lookup hashes were made with (on a first change, the old SB_VAULT_MASTER_KEY)']
      : []),
    ...exportStorageProblems(env),
  ];
  if (problems.length > 0) throw new ConfigError(problems);

  const stateDir = env.SB_STATE_DIR ?? join(homedir(), '.switchboard');
  const vaultMasterKey = Buffer.from(
    env.SB_VAULT_MASTER_KEY ?? devSecret(stateDir, 'master.key', () => randomBytes(32).toString('base64')),
    'base64',
  );
  const previousMasterKeys = (env.SB_VAULT_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .filter((k) => k.trim() !== '')
    .map((k) => Buffer.from(k.trim(), 'base64'));
  return Object.freeze({
    mode: env.NODE_ENV,
    port: env.PORT,
    publicUrl: (env.SB_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    adminToken: env.SB_ADMIN_TOKEN ?? devSecret(stateDir, 'admin-token', () => `sbop_${randomBytes(24).toString('base64url')}`),
    vaultMasterKey,
    previousMasterKeys,
    keyedHashKey: env.SB_KEYED_HASH_KEY === undefined ? vaultMasterKey : Buffer.from(env.SB_KEYED_HASH_KEY, 'base64'),
    kms: kmsSettings(env, vaultMasterKey, previousMasterKeys),
    secretCacheTtlSeconds: env.SB_SECRET_CACHE_TTL_SECONDS,
    secretCacheMaxEntries: env.SB_SECRET_CACHE_MAX_ENTRIES,
    stateDir,
    databaseUrl: env.DATABASE_URL,
    dbStatementTimeoutMs: env.SB_DB_STATEMENT_TIMEOUT_MS,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.SB_REDIS_PREFIX,
    logLevel: env.LOG_LEVEL,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: env.OTEL_SERVICE_NAME,
    traceSampleRatio: env.SB_TRACE_SAMPLE_RATIO,
    accessTokenTtlSeconds: env.SB_ACCESS_TOKEN_TTL_SECONDS,
    signingKeyRotationDays: env.SB_SIGNING_KEY_ROTATION_DAYS,
    workerConcurrency: env.SB_WORKER_CONCURRENCY,
    graphqlMaxDepth: env.SB_GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: env.SB_GRAPHQL_MAX_COMPLEXITY,
    mllpPort: env.SB_MLLP_PORT,
    mllpMaxMessageBytes: env.SB_MLLP_MAX_MESSAGE_BYTES,
    webhookLeaseMs: env.SB_WEBHOOK_LEASE_SECONDS * 1000,
    healthCheckIntervalMs: env.SB_HEALTH_CHECK_SECONDS * 1000,
    trustProxy: trustProxyOf(env.SB_TRUST_PROXY),
    bulkExportRetentionMs: env.SB_BULK_EXPORT_RETENTION_HOURS * 3_600_000,
    mllpTls: mllpTlsConfig(env),
    consoleIdleTimeoutMs: env.SB_CONSOLE_IDLE_TIMEOUT_MINUTES * 60_000,
    consoleAbsoluteTimeoutMs: env.SB_CONSOLE_ABSOLUTE_TIMEOUT_HOURS * 3_600_000,
    sandboxPort: env.SB_SANDBOX_PORT,
    sandboxUrl: (env.SB_SANDBOX_URL ?? `http://127.0.0.1:${env.SB_SANDBOX_PORT}`).replace(/\/+$/, ''),
    sandboxMllpPort: env.SB_SANDBOX_MLLP_PORT,
    allowPrivateTargets: env.SB_ALLOW_PRIVATE_TARGETS ?? !production,
    exportStorage: exportStorageSettings(env, stateDir),
  });
}

function mllpTlsProblems(env: Env): string[] {
  const problems: string[] = [];
  const tls = env.SB_MLLP_TLS_CERT !== undefined && env.SB_MLLP_TLS_KEY !== undefined;
  if (env.SB_MLLP_TLS_KEY !== undefined && env.SB_MLLP_TLS_CERT === undefined) problems.push('SB_MLLP_TLS_CERT: required with SB_MLLP_TLS_KEY');
  if (env.SB_MLLP_TLS_CERT !== undefined && env.SB_MLLP_TLS_KEY === undefined) problems.push('SB_MLLP_TLS_KEY: required with SB_MLLP_TLS_CERT');
  if (env.SB_MLLP_TLS_CA !== undefined && !tls) problems.push('SB_MLLP_TLS_CA: needs SB_MLLP_TLS_CERT and SB_MLLP_TLS_KEY');
  if (env.SB_MLLP_TLS_REQUIRE_CLIENT_CERT === true && env.SB_MLLP_TLS_CA === undefined) {
    problems.push('SB_MLLP_TLS_REQUIRE_CLIENT_CERT: needs SB_MLLP_TLS_CA (the CAs client certificates are checked against)');
  }
  return problems;
}

/** Called after `mllpTlsProblems` found none. */
function mllpTlsConfig(env: Env): MllpTlsConfig | undefined {
  if (env.SB_MLLP_TLS_CERT === undefined || env.SB_MLLP_TLS_KEY === undefined) return undefined;
  return {
    certFile: env.SB_MLLP_TLS_CERT,
    keyFile: env.SB_MLLP_TLS_KEY,
    ...(env.SB_MLLP_TLS_CA !== undefined ? { caFile: env.SB_MLLP_TLS_CA } : {}),
    requireClientCert: env.SB_MLLP_TLS_REQUIRE_CLIENT_CERT ?? env.SB_MLLP_TLS_CA !== undefined,
  };
}

const S3_REQUIRED = ['SB_S3_BUCKET', 'SB_S3_REGION', 'SB_S3_ACCESS_KEY_ID', 'SB_S3_SECRET_ACCESS_KEY'] as const;

function exportStorageProblems(env: Env): string[] {
  if (env.SB_EXPORT_STORAGE !== 's3') return [];
  return S3_REQUIRED.filter((k) => env[k] === undefined).map((k) => `${k}: required with SB_EXPORT_STORAGE=s3`);
}

/** Called after `exportStorageProblems` found none. */
function exportStorageSettings(env: Env, stateDir: string): ExportStorageSettings {
  const need = (v: string | undefined): string => v ?? '';
  switch (env.SB_EXPORT_STORAGE) {
    case 'local':
      return { driver: 'local', dir: resolve(env.SB_EXPORT_DIR ?? join(stateDir, 'exports')) };
    case 's3':
      return {
        driver: 's3',
        bucket: need(env.SB_S3_BUCKET),
        region: need(env.SB_S3_REGION),
        ...(env.SB_S3_ENDPOINT !== undefined ? { endpoint: env.SB_S3_ENDPOINT } : {}),
        // S3-compatible servers rarely resolve virtual-hosted bucket names.
        forcePathStyle: env.SB_S3_FORCE_PATH_STYLE ?? env.SB_S3_ENDPOINT !== undefined,
        credentials: { accessKeyId: need(env.SB_S3_ACCESS_KEY_ID), secretAccessKey: need(env.SB_S3_SECRET_ACCESS_KEY) },
      };
  }
}

type KmsVariable = 'SB_AWS_KMS_KEY_ID' | 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'SB_VAULT_ADDR' | 'SB_VAULT_TOKEN' | 'SB_VAULT_TRANSIT_KEY';

function requiredForKms(env: Env): KmsVariable[] {
  switch (env.SB_KMS_PROVIDER) {
    case 'local':
      return [];
    case 'aws-kms':
      return ['SB_AWS_KMS_KEY_ID', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
    case 'vault-transit':
      return ['SB_VAULT_ADDR', 'SB_VAULT_TOKEN', 'SB_VAULT_TRANSIT_KEY'];
  }
}

/** Called after `requiredForKms` passed, so the provider's variables are present. */
function kmsSettings(env: Env, masterKey: Buffer, previousMasterKeys: readonly Buffer[]): KmsSettings {
  const need = (v: string | undefined): string => v ?? '';
  switch (env.SB_KMS_PROVIDER) {
    case 'local':
      return {
        provider: 'local',
        primaryKey: masterKey,
        previousKeys: [...previousMasterKeys],
      };
    case 'aws-kms':
      return {
        provider: 'aws-kms',
        keyId: need(env.SB_AWS_KMS_KEY_ID),
        region: need(env.AWS_REGION),
        endpoint: env.SB_AWS_KMS_ENDPOINT,
        credentials: {
          accessKeyId: need(env.AWS_ACCESS_KEY_ID),
          secretAccessKey: need(env.AWS_SECRET_ACCESS_KEY),
          sessionToken: env.AWS_SESSION_TOKEN,
        },
      };
    case 'vault-transit':
      return {
        provider: 'vault-transit',
        address: need(env.SB_VAULT_ADDR),
        token: need(env.SB_VAULT_TOKEN),
        keyName: need(env.SB_VAULT_TRANSIT_KEY),
        mountPath: env.SB_VAULT_TRANSIT_MOUNT,
        namespace: env.SB_VAULT_NAMESPACE,
      };
  }
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
const SECRET_FIELDS: ReadonlySet<keyof AppConfig> = new Set(['adminToken', 'vaultMasterKey', 'previousMasterKeys', 'keyedHashKey', 'databaseUrl', 'redisUrl']);

/** A printable copy of the config: secrets replaced, URLs stripped of credentials. */
export function redactConfig(config: AppConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config) as [keyof AppConfig, unknown][]) {
    if (key === 'databaseUrl' || key === 'redisUrl') out[key] = redactUrl(String(value));
    else if (key === 'kms') out[key] = { provider: config.kms.provider };
    else if (key === 'exportStorage') out[key] = redactExportStorage(config.exportStorage);
    else out[key] = SECRET_FIELDS.has(key) ? REDACTED : value;
  }
  return out;
}

function redactExportStorage(settings: ExportStorageSettings): Record<string, unknown> {
  if (settings.driver === 'local') return { ...settings };
  return {
    ...settings,
    ...(settings.endpoint !== undefined ? { endpoint: redactUrl(settings.endpoint) } : {}),
    credentials: { accessKeyId: REDACTED, secretAccessKey: REDACTED },
  };
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

/** `false`/`true`, a hop count, or the names/CIDRs Express understands. */
function trustProxyOf(value: string): boolean | number | string {
  if (value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}
