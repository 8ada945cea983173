import { randomBytes } from 'node:crypto';
import { AwsKmsProvider, type AwsKmsProviderOptions } from './aws-kms.provider';
import { signAwsRequest } from './aws-sigv4';
import { startFakeAwsKms, type FakeAwsKms } from './kms-fakes';
import { expectKmsError, expectNoLeak, newWrapContext } from './kms-fakes/kms-spec-support';

describe('AwsKmsProvider against the fake AWS KMS', () => {
  let fake: FakeAwsKms;
  let options: AwsKmsProviderOptions;
  let kms: AwsKmsProvider;
  const dataKey = randomBytes(32);
  const context = newWrapContext();

  beforeAll(async () => {
    fake = await startFakeAwsKms({ region: 'eu-west-1' });
    options = { keyId: fake.aliasName, region: fake.region, endpoint: fake.url, credentials: fake.credentials, timeoutMs: 2_000 };
    kms = new AwsKmsProvider(options);
  });
  afterAll(() => fake.close());

  it('round-trips a data key and records the key ARN AWS returned', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    expect(wrapped.kek).toEqual({ id: fake.keyArn, version: '0' });
    expect(await kms.primaryKek()).toEqual(wrapped.kek);
    expect(await kms.unwrap(wrapped, context)).toEqual(dataKey);
  });

  it('sends temporary credentials signed', async () => {
    const credentials = { accessKeyId: 'ASIATEST', secretAccessKey: 's', sessionToken: 'tok' };
    const withToken = await startFakeAwsKms({ credentials });
    try {
      const target = { keyId: withToken.keyArn, region: withToken.region, endpoint: withToken.url };
      const p = new AwsKmsProvider({ ...target, credentials });
      expect(await p.unwrap(await p.wrap(dataKey, context), context)).toEqual(dataKey);
      const noToken = new AwsKmsProvider({ ...target, credentials: { ...credentials, sessionToken: undefined } });
      await expectKmsError(noToken.wrap(dataKey, context), 'access_denied');
    } finally {
      await withToken.close();
    }
  });

  it('binds the encryption context', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    for (const change of [{ tenantId: 'other' }, { connectionId: 'other' }, { secretName: 'other' }, { version: 4 }]) {
      await expectKmsError(kms.unwrap(wrapped, { ...context, ...change }), 'unwrap_failed');
    }
  });

  it('detects a tampered ciphertext', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    const tampered = Buffer.from(wrapped.ciphertext);
    tampered[tampered.length - 1] ^= 0x01;
    await expectKmsError(kms.unwrap({ ...wrapped, ciphertext: tampered }, context), 'unwrap_failed');
  });

  it('keeps old ciphertexts after key material rotation; new wraps use the new material', async () => {
    const before = await kms.wrap(dataKey, context);
    const material = fake.rotate();
    const after = await kms.wrap(dataKey, context);
    expect(fake.materialVersionOf(after.ciphertext)).toBe(material);
    expect(fake.materialVersionOf(before.ciphertext)).toBe(material - 1);
    expect(after.kek).toEqual(before.kek);
    expect(await kms.unwrap(before, context)).toEqual(dataKey);
    expect(await kms.unwrap(after, context)).toEqual(dataKey);
  });

  it('follows the alias to a new key while the old key keeps decrypting, until it is disabled', async () => {
    const before = await kms.wrap(dataKey, context);
    const next = fake.createKey();
    fake.pointAlias(next.keyArn);
    try {
      expect(await kms.primaryKek()).toEqual({ id: next.keyArn, version: '0' });
      const after = await kms.wrap(dataKey, context);
      expect(after.kek.id).toBe(next.keyArn);
      expect(await kms.unwrap(before, context)).toEqual(dataKey);
      // A ciphertext presented as another key's is refused, not decrypted.
      await expectKmsError(kms.unwrap({ ...before, kek: after.kek }, context), 'unwrap_failed');
      fake.setKeyEnabled(fake.keyArn, false);
      await expectKmsError(kms.unwrap(before, context), 'kek_retired');
    } finally {
      fake.setKeyEnabled(fake.keyArn, true);
      fake.pointAlias(fake.keyArn);
    }
  });

  it('reports an unknown key', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    const unknown = `arn:aws:kms:${fake.region}:111122223333:key/00000000-0000-0000-0000-000000000000`;
    await expectKmsError(kms.unwrap({ ...wrapped, kek: { id: unknown, version: '0' } }, context), 'unknown_kek');
    await expectKmsError(kms.unwrap({ ...wrapped, kek: { ...wrapped.kek, version: '1' } }, context), 'unknown_kek');
  });

  it('is refused with a wrong secret key (the fake verifies signatures)', async () => {
    const wrong = new AwsKmsProvider({ ...options, credentials: { ...options.credentials, secretAccessKey: 'not-the-secret' } });
    const error = await expectKmsError(wrong.wrap(dataKey, context), 'access_denied');
    expect(error.details).toMatchObject({ provider: 'aws-kms', status: 400, kmsErrorType: 'InvalidSignatureException' });
    const unknownClient = new AwsKmsProvider({ ...options, credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } });
    await expectKmsError(unknownClient.wrap(dataKey, context), 'access_denied');
  });

  it('rejects a request whose body or target changed after signing, or that is not signed', async () => {
    const url = new URL(fake.url);
    const body = JSON.stringify({ KeyId: fake.keyArn, Plaintext: dataKey.toString('base64') });
    const sign = (now = new Date()) =>
      signAwsRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
        body,
        region: fake.region,
        service: 'kms',
        credentials: fake.credentials,
        now,
      });
    const rejected = (type: string) => ({ status: 400, type });
    const post = async (headers: Record<string, string>, sent = body) => {
      const res = await fetch(url, { method: 'POST', headers, body: sent });
      return { status: res.status, type: ((await res.json()) as { __type: string }).__type };
    };
    expect(await post(sign())).toEqual({ status: 200, type: undefined });
    expect(await post(sign(), body.replace(fake.keyArn, fake.keyId))).toEqual(rejected('InvalidSignatureException'));
    expect(await post({ ...sign(), 'x-amz-target': 'TrentService.Decrypt' })).toEqual(rejected('InvalidSignatureException'));
    expect(await post(sign(new Date(Date.now() - 3_600_000)))).toEqual(rejected('InvalidSignatureException'));
    const { authorization: _, ...unsigned } = sign();
    expect(await post(unsigned)).toEqual(rejected('MissingAuthenticationToken'));
  });

  it('maps an unreachable endpoint and a timeout to unavailable', async () => {
    const down = new AwsKmsProvider({ ...options, endpoint: 'http://127.0.0.1:1' });
    await expectKmsError(down.wrap(dataKey, context), 'unavailable');
    fake.latencyMs = 300;
    try {
      await expectKmsError(new AwsKmsProvider({ ...options, timeoutMs: 50 }).wrap(dataKey, context), 'unavailable');
    } finally {
      fake.latencyMs = 0;
    }
  });

  it('never puts key material, credentials or context values in its errors', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    const { tenantId, connectionId, secretName } = context;
    const secrets = [dataKey, wrapped.ciphertext, fake.credentials.secretAccessKey, tenantId, connectionId, secretName];
    const badSecret = new AwsKmsProvider({ ...options, credentials: { ...options.credentials, secretAccessKey: 'x' } });
    const down = new AwsKmsProvider({ ...options, endpoint: 'http://127.0.0.1:1' });
    const errors = [
      await expectKmsError(kms.unwrap(wrapped, { ...context, version: 8 }), 'unwrap_failed'),
      await expectKmsError(badSecret.wrap(dataKey, context), 'access_denied'),
      await expectKmsError(down.unwrap(wrapped, context), 'unavailable'),
    ];
    for (const error of errors) expectNoLeak(error, secrets);
  });

  it('counts requests', async () => {
    const before = fake.requests;
    await kms.wrap(dataKey, context);
    expect(fake.requests).toBe(before + 1);
  });
});
