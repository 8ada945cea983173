import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { expectKmsError, expectNoLeak, newWrapContext } from './kms-fakes/kms-spec-support';
import { LocalKmsProvider, localKekId, parseMasterKey } from './local-kms.provider';

describe('LocalKmsProvider', () => {
  const primaryKey = randomBytes(32);
  const kms = new LocalKmsProvider({ primaryKey });
  const dataKey = randomBytes(32);
  const context = newWrapContext();

  it('round-trips a data key and records the KEK id and version', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    expect(wrapped.kek).toEqual({ id: localKekId(primaryKey), version: '1' });
    expect(wrapped.kek.id).toMatch(/^local:[0-9a-f]{16}$/);
    expect(await kms.primaryKek()).toEqual(wrapped.kek);
    // nonce ‖ tag ‖ body
    expect(wrapped.ciphertext).toHaveLength(12 + 16 + 32);
    expect(await kms.unwrap(wrapped, context)).toEqual(dataKey);
  });

  it('uses a fresh nonce per wrap', async () => {
    const a = await kms.wrap(dataKey, context);
    const b = await kms.wrap(dataKey, context);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it.each([
    ['tenant', { tenantId: 'other-tenant' }],
    ['connection', { connectionId: 'other-connection' }],
    ['secret name', { secretName: 'other-secret' }],
    ['version', { version: 4 }],
  ])('refuses to unwrap under another %s', async (_field, change) => {
    const wrapped = await kms.wrap(dataKey, context);
    await expectKmsError(kms.unwrap(wrapped, { ...context, ...change }), 'unwrap_failed');
  });

  it('keeps fields from bleeding into one another', async () => {
    const wrapped = await kms.wrap(dataKey, { ...context, tenantId: 'a', connectionId: 'bc' });
    await expectKmsError(kms.unwrap(wrapped, { ...context, tenantId: 'ab', connectionId: 'c' }), 'unwrap_failed');
  });

  it.each([0, 12, 20, 59])('detects a flipped bit at byte %i', async (at) => {
    const wrapped = await kms.wrap(dataKey, context);
    const tampered = Buffer.from(wrapped.ciphertext);
    tampered[at] ^= 0x01;
    await expectKmsError(kms.unwrap({ ...wrapped, ciphertext: tampered }, context), 'unwrap_failed');
    await expectKmsError(kms.unwrap({ ...wrapped, ciphertext: wrapped.ciphertext.subarray(0, 20) }, context), 'unwrap_failed');
  });

  it('unwraps with previous keys but wraps with the primary', async () => {
    const oldKey = randomBytes(32);
    const before = await new LocalKmsProvider({ primaryKey: oldKey }).wrap(dataKey, context);
    const rotated = new LocalKmsProvider({ primaryKey, previousKeys: [oldKey] });
    expect(await rotated.unwrap(before, context)).toEqual(dataKey);
    const after = await rotated.wrap(dataKey, context);
    expect(after.kek.id).toBe(localKekId(primaryKey));
    expect(after.kek.id).not.toBe(before.kek.id);
  });

  it('reports a KEK it does not hold (retired master key) as unknown_kek', async () => {
    const oldKey = randomBytes(32);
    const before = await new LocalKmsProvider({ primaryKey: oldKey }).wrap(dataKey, context);
    const error = await expectKmsError(kms.unwrap(before, context), 'unknown_kek');
    await expectKmsError(kms.unwrap({ ...before, kek: { id: localKekId(primaryKey), version: '2' } }, context), 'unknown_kek');
    expectNoLeak(error, [primaryKey, oldKey, dataKey, context.tenantId, context.connectionId, context.secretName]);
  });

  it('never puts key material or context values in its errors', async () => {
    const wrapped = await kms.wrap(dataKey, context);
    const error = await expectKmsError(kms.unwrap(wrapped, { ...context, version: 9 }), 'unwrap_failed');
    expect(error.message).toBe('Data key unwrap failed');
    expectNoLeak(error, [primaryKey, dataKey, wrapped.ciphertext, context.tenantId, context.connectionId, context.secretName]);
  });

  it('validates keys and inputs', async () => {
    expect(() => new LocalKmsProvider({ primaryKey: randomBytes(16) })).toThrow('Invalid KMS configuration');
    expect(() => new LocalKmsProvider({ primaryKey, previousKeys: [randomBytes(31)] })).toThrow('Invalid KMS configuration');
    await expectKmsError(kms.wrap(Buffer.alloc(0), context), 'invalid_input');
    await expectKmsError(kms.wrap(dataKey, { ...context, version: 1.5 }), 'invalid_input');
    await expectKmsError(kms.wrap(dataKey, { ...context, tenantId: '' }), 'invalid_input');
  });

  it('does not expose the key when inspected', () => {
    expect(JSON.stringify(kms)).not.toContain(primaryKey.toString('base64'));
    expect(inspect(kms, { depth: 5 })).not.toContain(primaryKey.toString('hex'));
  });
});

describe('parseMasterKey', () => {
  it('accepts canonical base64 of 32 bytes only', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
    expect(() => parseMasterKey(randomBytes(24).toString('base64'))).toThrow('Invalid KMS configuration');
    expect(() => parseMasterKey(`${key.toString('base64')}x`)).toThrow('Invalid KMS configuration');
    expect(() => parseMasterKey(key.toString('hex'))).toThrow('Invalid KMS configuration');
  });
});
