import { randomBytes } from 'node:crypto';
import { startFakeVaultTransit, type FakeVaultTransit } from './kms-fakes';
import { expectKmsError, expectNoLeak, newWrapContext } from './kms-fakes/kms-spec-support';
import { VaultTransitProvider, type VaultTransitProviderOptions } from './vault-transit.provider';

describe('VaultTransitProvider against the fake Vault transit engine', () => {
  let fake: FakeVaultTransit;
  let options: VaultTransitProviderOptions;
  let kms: VaultTransitProvider;
  const dataKey = randomBytes(32);
  const context = newWrapContext();

  beforeAll(async () => {
    fake = await startFakeVaultTransit({ keyName: 'sb-kek', mountPath: 'sb-transit', namespace: 'team/sb' });
    options = {
      address: fake.url,
      token: fake.token,
      keyName: 'sb-kek',
      mountPath: 'sb-transit',
      namespace: 'team/sb',
      timeoutMs: 2_000,
    };
    kms = new VaultTransitProvider(options);
  });
  afterAll(() => fake.close());

  it('round-trips a data key as a vault:v<N> ciphertext', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    expect(wrapped.kek).toEqual({ id: 'sb-kek', version: String(fake.latestVersion) });
    expect(wrapped.ciphertext.toString('utf8')).toMatch(/^vault:v\d+:/);
    expect(await kms.primaryKek()).toEqual(wrapped.kek);
    expect(await kms.unwrap(wrapped, context)).toEqual(dataKey);
  });

  it('binds the context through key derivation', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    for (const change of [{ tenantId: 'other' }, { connectionId: 'other' }, { secretName: 'other' }, { version: 4 }]) {
      await expectKmsError(kms.unwrap(wrapped, { ...context, ...change }), 'unwrap_failed');
    }
  });

  it('detects a tampered ciphertext or a tampered version record', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    const text = wrapped.ciphertext.toString('utf8');
    const body = Buffer.from(text.split(':')[2], 'base64');
    body[body.length - 1] ^= 0x01;
    const tampered = Buffer.from(`vault:v${wrapped.kek.version}:${body.toString('base64')}`);
    await expectKmsError(kms.unwrap({ ...wrapped, ciphertext: tampered }, context), 'unwrap_failed');
    await expectKmsError(kms.unwrap({ ...wrapped, kek: { ...wrapped.kek, version: '99' } }, context), 'unwrap_failed');
  });

  it('after rotate(), wraps under the new version, unwraps the old, and rewraps without the data key leaving Vault', async () => {
    const before = await kms.wrap(dataKey, context);
    const version = fake.rotate();
    expect(await kms.primaryKek()).toEqual({ id: 'sb-kek', version: String(version) });
    const after = await kms.wrap(dataKey, context);
    expect(after.kek.version).toBe(String(version));
    expect(Number(before.kek.version)).toBe(version - 1);
    expect(await kms.unwrap(before, context)).toEqual(dataKey);

    const rewrapped = await kms.rewrap(before, context);
    expect(rewrapped.kek).toEqual(after.kek);
    expect(await kms.unwrap(rewrapped, context)).toEqual(dataKey);
    await expectKmsError(kms.rewrap(before, { ...context, secretName: 'other' }), 'unwrap_failed');
  });

  it('refuses versions below min_decryption_version as retired', async () => {
    const old = await kms.wrap(dataKey, context);
    const version = fake.rotate();
    const current = await kms.wrap(dataKey, context);
    fake.setMinDecryptionVersion(version);
    try {
      const error = await expectKmsError(kms.unwrap(old, context), 'kek_retired');
      expectNoLeak(error, [dataKey, fake.token, context.tenantId, context.connectionId, context.secretName]);
      expect(await kms.unwrap(current, context)).toEqual(dataKey);
    } finally {
      fake.setMinDecryptionVersion(1);
    }
  });

  it('reports another key name as unknown', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    await expectKmsError(kms.unwrap({ ...wrapped, kek: { ...wrapped.kek, id: 'other-key' } }, context), 'unknown_kek');
    const missing = new VaultTransitProvider({ ...options, keyName: 'missing' });
    await expectKmsError(missing.primaryKek(), 'unknown_kek');
    await expectKmsError(missing.unwrap({ ...wrapped, kek: { ...wrapped.kek, id: 'missing' } }, context), 'unknown_kek');
  });

  it('is refused with a wrong token or namespace', async () => {
    await expectKmsError(new VaultTransitProvider({ ...options, token: 'hvs.wrong' }).wrap(dataKey, context), 'access_denied');
    await expectKmsError(new VaultTransitProvider({ ...options, namespace: undefined }).primaryKek(), 'unknown_kek');
  });

  it('refuses a transit key that is not derived, which would ignore the context', async () => {
    const plain = await startFakeVaultTransit({ derived: false });
    try {
      const p = new VaultTransitProvider({ address: plain.url, token: plain.token, keyName: plain.keyName });
      await expectKmsError(p.wrap(dataKey, context), 'invalid_config');
      await expectKmsError(p.primaryKek(), 'invalid_config');
    } finally {
      await plain.close();
    }
  });

  it('times out through latencyMs and reports an unreachable Vault as unavailable', async () => {
    fake.latencyMs = 300;
    try {
      await expectKmsError(new VaultTransitProvider({ ...options, timeoutMs: 50 }).primaryKek(), 'unavailable');
    } finally {
      fake.latencyMs = 0;
    }
    await expectKmsError(new VaultTransitProvider({ ...options, address: 'http://127.0.0.1:1' }).wrap(dataKey, context), 'unavailable');
  });

  it('counts requests and adds latency, like a real round trip', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    fake.latencyMs = 40;
    try {
      const requests = fake.requests;
      const started = performance.now();
      await kms.unwrap(wrapped, context);
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
      expect(fake.requests).toBe(requests + 1);
    } finally {
      fake.latencyMs = 0;
    }
  });

  it('never puts key material, the token or context values in its errors', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    const { tenantId, connectionId, secretName } = context;
    const secrets = [dataKey, wrapped.ciphertext.toString('utf8'), fake.token, tenantId, connectionId, secretName];
    const badToken = new VaultTransitProvider({ ...options, token: `${fake.token}x` });
    const down = new VaultTransitProvider({ ...options, address: 'http://127.0.0.1:1' });
    const errors = [
      await expectKmsError(kms.unwrap(wrapped, { ...context, version: 8 }), 'unwrap_failed'),
      await expectKmsError(badToken.unwrap(wrapped, context), 'access_denied'),
      await expectKmsError(down.unwrap(wrapped, context), 'unavailable'),
    ];
    for (const error of errors) expectNoLeak(error, secrets);
  });

  it('validates its configuration', () => {
    expect(() => new VaultTransitProvider({ ...options, keyName: 'a/b' })).toThrow('Invalid KMS configuration');
    expect(() => new VaultTransitProvider({ ...options, token: '' })).toThrow('Invalid KMS configuration');
  });
});
