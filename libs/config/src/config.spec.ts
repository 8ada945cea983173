import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, ConfigError, redactConfig } from './config';

describe('buildConfig', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('runs with no environment at all, using the documented defaults', () => {
    const config = buildConfig({ SB_STATE_DIR: stateDir });
    expect(config).toMatchObject({
      mode: 'development',
      port: 3000,
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/switchboard',
      redisUrl: 'redis://127.0.0.1:6379',
      publicUrl: 'http://localhost:3000',
      allowPrivateTargets: true,
    });
    expect(config.vaultMasterKey).toHaveLength(32);
  });

  it('creates development secrets once, private to the user, and reuses them', () => {
    const first = buildConfig({ SB_STATE_DIR: stateDir });
    const second = buildConfig({ SB_STATE_DIR: stateDir });
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.vaultMasterKey.equals(first.vaultMasterKey)).toBe(true);
    expect(readFileSync(join(stateDir, 'admin-token'), 'utf8').trim()).toBe(first.adminToken);
    expect(statSync(join(stateDir, 'master.key')).mode & 0o077).toBe(0);
  });

  it('lists every bad variable in one error', () => {
    let error: unknown;
    try {
      buildConfig({ SB_STATE_DIR: stateDir, PORT: 'eighty', LOG_LEVEL: 'loud', SB_VAULT_MASTER_KEY: 'c2hvcnQ=' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/LOG_LEVEL/);
    expect(problems).toMatch(/SB_VAULT_MASTER_KEY/);
  });

  it('does not echo a rejected secret value in the error', () => {
    try {
      buildConfig({ SB_STATE_DIR: stateDir, SB_ADMIN_TOKEN: 'short-secret-value' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as Error).message).toMatch(/SB_ADMIN_TOKEN/);
      expect((e as Error).message).not.toContain('short-secret-value');
    }
  });

  it('requires explicit secrets in production', () => {
    expect(() => buildConfig({ SB_STATE_DIR: stateDir, NODE_ENV: 'production' })).toThrow(
      /SB_ADMIN_TOKEN: required[\s\S]*SB_VAULT_MASTER_KEY: required[\s\S]*SB_PUBLIC_URL: required/,
    );
  });

  it('defaults private webhook targets off in production', () => {
    const config = buildConfig({
      SB_STATE_DIR: stateDir,
      NODE_ENV: 'production',
      SB_ADMIN_TOKEN: 'x'.repeat(40),
      SB_VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      SB_PUBLIC_URL: 'https://gw.example',
    });
    expect(config.allowPrivateTargets).toBe(false);
  });
});

describe('master key changes', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));
  const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

  it('keys the stored hashes with the master key unless SB_KEYED_HASH_KEY is set, so setting it to the old master key keeps them', () => {
    const before = buildConfig({ SB_STATE_DIR: stateDir, SB_VAULT_MASTER_KEY: key(1) });
    expect(before.keyedHashKey.equals(Buffer.alloc(32, 1))).toBe(true);
    const after = buildConfig({ SB_STATE_DIR: stateDir, SB_VAULT_MASTER_KEY: key(2), SB_VAULT_PREVIOUS_MASTER_KEYS: key(1), SB_KEYED_HASH_KEY: key(1) });
    expect(after.keyedHashKey.equals(before.keyedHashKey)).toBe(true);
    expect(after.vaultMasterKey.equals(Buffer.alloc(32, 2))).toBe(true);
  });

  it('refuses previous master keys without SB_KEYED_HASH_KEY, so stored hashes cannot quietly follow the new key', () => {
    expect(() => buildConfig({ SB_STATE_DIR: stateDir, SB_VAULT_MASTER_KEY: key(2), SB_VAULT_PREVIOUS_MASTER_KEYS: key(1) })).toThrow(/SB_KEYED_HASH_KEY: required with SB_VAULT_PREVIOUS_MASTER_KEYS/);
  });

  it('reads previous master keys whatever the KMS provider, and refuses a keyed-hash key that is not 32 bytes', () => {
    const config = buildConfig({ SB_STATE_DIR: stateDir, SB_VAULT_MASTER_KEY: key(3), SB_VAULT_PREVIOUS_MASTER_KEYS: ` ${key(1)}, ${key(2)} `, SB_KEYED_HASH_KEY: key(1), SB_KMS_PROVIDER: 'vault-transit', SB_VAULT_ADDR: 'https://vault.internal', SB_VAULT_TOKEN: 't', SB_VAULT_TRANSIT_KEY: 'sb' });
    expect(config.previousMasterKeys.map((k) => k[0])).toEqual([1, 2]);
    expect(() => buildConfig({ SB_STATE_DIR: stateDir, SB_KEYED_HASH_KEY: 'c2hvcnQ=' })).toThrow(/SB_KEYED_HASH_KEY: must be 32 bytes/);
  });

  it('never prints the previous or keyed-hash keys', () => {
    const config = buildConfig({ SB_STATE_DIR: stateDir, SB_VAULT_MASTER_KEY: key(3), SB_VAULT_PREVIOUS_MASTER_KEYS: key(1), SB_KEYED_HASH_KEY: key(2) });
    const printed = redactConfig(config);
    expect(printed.previousMasterKeys).toBe('[redacted]');
    expect(printed.keyedHashKey).toBe('[redacted]');
    expect(JSON.stringify(printed)).not.toMatch(/"data":\[/);
  });
});

describe('MLLP settings', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('listens in plain TCP with a 10 MiB frame limit by default', () => {
    const config = buildConfig({ SB_STATE_DIR: stateDir });
    expect(config.mllpTls).toBeUndefined();
    expect(config.mllpMaxMessageBytes).toBe(10 * 1024 * 1024);
  });

  it('speaks TLS with a certificate and key, requiring client certificates by default when a CA is given', () => {
    const tls = { SB_STATE_DIR: stateDir, SB_MLLP_TLS_CERT: '/etc/sb/mllp.crt', SB_MLLP_TLS_KEY: '/etc/sb/mllp.key' };
    expect(buildConfig(tls).mllpTls).toEqual({ certFile: '/etc/sb/mllp.crt', keyFile: '/etc/sb/mllp.key', requireClientCert: false });
    expect(buildConfig({ ...tls, SB_MLLP_TLS_CA: '/etc/sb/ca.pem' }).mllpTls).toEqual({ certFile: '/etc/sb/mllp.crt', keyFile: '/etc/sb/mllp.key', caFile: '/etc/sb/ca.pem', requireClientCert: true });
    expect(buildConfig({ ...tls, SB_MLLP_TLS_CA: '/etc/sb/ca.pem', SB_MLLP_TLS_REQUIRE_CLIENT_CERT: 'false' }).mllpTls?.requireClientCert).toBe(false);
  });

  it.each([
    [{ SB_MLLP_TLS_KEY: '/k' }, /SB_MLLP_TLS_CERT: required with SB_MLLP_TLS_KEY/],
    [{ SB_MLLP_TLS_CERT: '/c' }, /SB_MLLP_TLS_KEY: required with SB_MLLP_TLS_CERT/],
    [{ SB_MLLP_TLS_CA: '/ca' }, /SB_MLLP_TLS_CA: needs SB_MLLP_TLS_CERT and SB_MLLP_TLS_KEY/],
    [{ SB_MLLP_TLS_CERT: '/c', SB_MLLP_TLS_KEY: '/k', SB_MLLP_TLS_REQUIRE_CLIENT_CERT: 'true' }, /SB_MLLP_TLS_REQUIRE_CLIENT_CERT: needs SB_MLLP_TLS_CA/],
    [{ SB_MLLP_MAX_MESSAGE_BYTES: '0' }, /SB_MLLP_MAX_MESSAGE_BYTES/],
  ])('refuses an incomplete TLS setup or a bad limit: %o', (env, problem) => {
    expect(() => buildConfig({ SB_STATE_DIR: stateDir, ...env })).toThrow(problem);
  });
});

describe('redactConfig', () => {
  it('hides secrets and URL passwords', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sb-config-'));
    const config = buildConfig({
      SB_STATE_DIR: stateDir,
      SB_ADMIN_TOKEN: 'operator-token-0123456789abcdef0123456789',
      DATABASE_URL: 'postgresql://app:hunter2@db.internal:5432/sb?sslmode=require',
    });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('operator-token');
    expect(printed).not.toContain('hunter2');
    expect(printed).not.toContain(config.vaultMasterKey.toString('base64'));
    expect(printed).toContain('db.internal');
    rmSync(stateDir, { recursive: true, force: true });
  });
});

describe('export storage settings', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const s3 = {
    SB_EXPORT_STORAGE: 's3',
    SB_S3_BUCKET: 'sb-exports',
    SB_S3_REGION: 'eu-central-1',
    SB_S3_ACCESS_KEY_ID: 'AKIAEXPORTKEYID00001',
    SB_S3_SECRET_ACCESS_KEY: 'export-secret-access-key-value',
  };

  it('stores exports on the local disk under the state directory by default', () => {
    expect(buildConfig({ SB_STATE_DIR: stateDir }).exportStorage).toEqual({ driver: 'local', dir: join(stateDir, 'exports') });
    expect(buildConfig({ SB_STATE_DIR: stateDir, SB_EXPORT_DIR: '/srv/sb/exports' }).exportStorage).toEqual({ driver: 'local', dir: '/srv/sb/exports' });
    expect(buildConfig({ SB_STATE_DIR: stateDir, SB_EXPORT_DIR: 'relative/exports' }).exportStorage).toEqual({
      driver: 'local',
      dir: join(process.cwd(), 'relative/exports'),
    });
  });

  it('reads the S3 settings, path-style by default only with a custom endpoint', () => {
    expect(buildConfig({ SB_STATE_DIR: stateDir, ...s3 }).exportStorage).toEqual({
      driver: 's3',
      bucket: 'sb-exports',
      region: 'eu-central-1',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKIAEXPORTKEYID00001', secretAccessKey: 'export-secret-access-key-value' },
    });
    const minio = buildConfig({ SB_STATE_DIR: stateDir, ...s3, SB_S3_ENDPOINT: 'http://127.0.0.1:9000' }).exportStorage;
    expect(minio).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(buildConfig({ SB_STATE_DIR: stateDir, ...s3, SB_S3_ENDPOINT: 'http://127.0.0.1:9000', SB_S3_FORCE_PATH_STYLE: 'false' }).exportStorage).toMatchObject({
      forcePathStyle: false,
    });
  });

  it('requires the bucket, region and credentials with SB_EXPORT_STORAGE=s3, naming each missing one', () => {
    let error: unknown;
    try {
      buildConfig({ SB_STATE_DIR: stateDir, SB_EXPORT_STORAGE: 's3' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'SB_S3_BUCKET: required with SB_EXPORT_STORAGE=s3',
      'SB_S3_REGION: required with SB_EXPORT_STORAGE=s3',
      'SB_S3_ACCESS_KEY_ID: required with SB_EXPORT_STORAGE=s3',
      'SB_S3_SECRET_ACCESS_KEY: required with SB_EXPORT_STORAGE=s3',
    ]);
    expect(() => buildConfig({ SB_STATE_DIR: stateDir, ...s3, SB_S3_SECRET_ACCESS_KEY: undefined })).toThrow(/SB_S3_SECRET_ACCESS_KEY: required/);
  });

  it.each([
    [{ SB_EXPORT_STORAGE: 'gcs' }, /SB_EXPORT_STORAGE/],
    [{ SB_S3_ENDPOINT: 'not a url' }, /SB_S3_ENDPOINT/],
    [{ SB_S3_FORCE_PATH_STYLE: 'yes' }, /SB_S3_FORCE_PATH_STYLE/],
    [{ SB_EXPORT_DIR: '' }, /SB_EXPORT_DIR/],
  ])('refuses a bad value: %o', (env, problem) => {
    expect(() => buildConfig({ SB_STATE_DIR: stateDir, ...env })).toThrow(problem);
  });

  it('redacts the S3 credentials and endpoint passwords when printed', () => {
    const config = buildConfig({ SB_STATE_DIR: stateDir, ...s3, SB_S3_ENDPOINT: 'https://minio:hunter2@s3.internal:9000' });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('AKIAEXPORTKEYID00001');
    expect(printed).not.toContain('export-secret-access-key-value');
    expect(printed).not.toContain('hunter2');
    expect(redactConfig(config).exportStorage).toMatchObject({ driver: 's3', bucket: 'sb-exports', region: 'eu-central-1' });
  });
});
