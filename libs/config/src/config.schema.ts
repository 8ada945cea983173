import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const positiveInt = z.coerce.number().int().positive();

/**
 * Every environment variable Switchboard reads. Defaults make the demo run with no
 * env at all; production mode requires the secrets to be set explicitly.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  SB_PUBLIC_URL: z.url().optional(),
  SB_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  SB_VAULT_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  SB_VAULT_PREVIOUS_MASTER_KEYS: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      'must be comma-separated 32-byte keys, base64-encoded',
    )
    .optional(),
  /** The key of the keyed hashes stored for lookups and counts (patient identifiers, usage patient tokens, athena change fingerprints, cursors, signed export URLs). Default: the master key, so existing hashes keep matching. */
  SB_KEYED_HASH_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  SB_KMS_PROVIDER: z.enum(['local', 'aws-kms', 'vault-transit']).default('local'),
  SB_AWS_KMS_KEY_ID: z.string().min(1).optional(),
  SB_AWS_KMS_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  SB_VAULT_ADDR: z.url().optional(),
  SB_VAULT_TOKEN: z.string().min(1).optional(),
  SB_VAULT_TRANSIT_KEY: z.string().min(1).optional(),
  SB_VAULT_TRANSIT_MOUNT: z.string().min(1).default('transit'),
  SB_VAULT_NAMESPACE: z.string().min(1).optional(),
  SB_SECRET_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  SB_SECRET_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  SB_STATE_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.url().default('postgresql://postgres@127.0.0.1:5432/switchboard'),
  /** On the hot-path pool (call records, the listener's store, claims, batches, the relay): Postgres ends a statement running this long, or a connection whose transaction sits idle this long. */
  SB_DB_STATEMENT_TIMEOUT_MS: positiveInt.min(100).max(600_000).default(15_000),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  SB_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, ":", "_" and "-" only')
    .default('sb'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Share of new traces recorded and exported (parent-based: a caller's sampled flag wins). Log lines carry trace ids either way. */
  SB_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1),
  SB_ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(3600).default(900),
  SB_SIGNING_KEY_ROTATION_DAYS: positiveInt.default(30),
  SB_WORKER_CONCURRENCY: positiveInt.max(256).default(8),
  SB_GRAPHQL_MAX_DEPTH: positiveInt.max(64).default(8),
  SB_GRAPHQL_MAX_COMPLEXITY: positiveInt.default(1000),
  SB_MLLP_PORT: port.default(2575),
  /** Largest MLLP frame the listener accepts; larger ones are refused (AR) without being buffered. Default 10 MiB. */
  SB_MLLP_MAX_MESSAGE_BYTES: positiveInt.max(256 * 1024 * 1024).default(10 * 1024 * 1024),
  /** How long a claimed webhook delivery is reserved for the worker that claimed it before another may take it (a crashed worker). */
  SB_WEBHOOK_LEASE_SECONDS: positiveInt.min(5).max(3600).default(120),
  /** 0 turns the connection health monitor off. */
  /** Express `trust proxy`: which proxies' X-Forwarded-* to believe (false, a hop count, or names/CIDRs such as loopback, uniquelocal). */
  SB_TRUST_PROXY: z
    .string()
    .regex(/^(false|true|\d{1,2}|[A-Za-z0-9.:/,\s]+)$/, 'false, true, a hop count, or comma-separated names/CIDRs (loopback, linklocal, uniquelocal, 10.0.0.0/8…)')
    .default('loopback'),
  SB_HEALTH_CHECK_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Bulk Data files and manifests are kept this long after an export finishes (the manifest's `Expires`). */
  SB_BULK_EXPORT_RETENTION_HOURS: positiveInt.max(24 * 90).default(168),
  /** PEM file of the MLLP listener's certificate (chain); with SB_MLLP_TLS_KEY the listener speaks TLS, plain TCP otherwise. */
  SB_MLLP_TLS_CERT: z.string().min(1).optional(),
  /** PEM file of the private key of SB_MLLP_TLS_CERT (unencrypted). */
  SB_MLLP_TLS_KEY: z.string().min(1).optional(),
  /** PEM bundle of the CAs whose client certificates the MLLP listener accepts. */
  SB_MLLP_TLS_CA: z.string().min(1).optional(),
  /** Refuse MLLP TLS clients without a certificate from SB_MLLP_TLS_CA; default true when a CA is given. */
  SB_MLLP_TLS_REQUIRE_CLIENT_CERT: bool.optional(),
  SB_SANDBOX_PORT: port.default(4000),
  SB_SANDBOX_URL: z.url().optional(),
  /** The sandbox HL7 site's inbound MLLP port; unset: 2576, or a free port when 2576 is taken. */
  SB_SANDBOX_MLLP_PORT: port.optional(),
  SB_ALLOW_PRIVATE_TARGETS: bool.optional(),
  /** A console session ends after this many minutes without a request (HIPAA automatic logoff). */
  SB_CONSOLE_IDLE_TIMEOUT_MINUTES: positiveInt.max(24 * 60).default(30),
  /** A console session ends this many hours after sign-in, active or not. */
  SB_CONSOLE_ABSOLUTE_TIMEOUT_HOURS: positiveInt.max(30 * 24).default(12),
  /** Where Bulk Data export files are kept: `local` (a directory, the demo default) or `s3` (an S3-compatible bucket). */
  SB_EXPORT_STORAGE: z.enum(['local', 's3']).default('local'),
  /** The local driver's root directory; unset: `$SB_STATE_DIR/exports`. */
  SB_EXPORT_DIR: z.string().min(1).optional(),
  SB_S3_BUCKET: z.string().min(1).optional(),
  SB_S3_REGION: z.string().min(1).optional(),
  /** An S3-compatible endpoint (MinIO, Ceph, …); unset: AWS S3 for SB_S3_REGION. */
  SB_S3_ENDPOINT: z.url().optional(),
  /** Path-style URLs (`endpoint/bucket/key`); default true when SB_S3_ENDPOINT is set, false otherwise. */
  SB_S3_FORCE_PATH_STYLE: bool.optional(),
  SB_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  SB_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;
