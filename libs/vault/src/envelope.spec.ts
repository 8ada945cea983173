import { randomBytes, randomUUID } from 'node:crypto';
import { encodeAad, newDataKey, openValue, sealValue, type SealedValue, type SecretAad } from './envelope';

describe('envelope (AES-256-GCM bound to the row identity)', () => {
  const dataKey = newDataKey();
  const aad: SecretAad = { tenantId: randomUUID(), connectionId: randomUUID(), name: 'epic.client-secret', version: 3 };
  const plaintext = Buffer.from('-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n');

  it('round-trips a value', () => {
    const sealed = sealValue(plaintext, dataKey, aad);
    expect(sealed.ciphertext.equals(plaintext)).toBe(false);
    expect(sealed.nonce).toHaveLength(12);
    expect(sealed.authTag).toHaveLength(16);
    expect(openValue(sealed, dataKey, aad)).toEqual(plaintext);
  });

  it('uses a fresh nonce per seal, so equal values give unrelated ciphertexts', () => {
    const a = sealValue(plaintext, dataKey, aad);
    const b = sealValue(plaintext, dataKey, aad);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('fails to open under another data key', () => {
    expect(() => openValue(sealValue(plaintext, dataKey, aad), newDataKey(), aad)).toThrow();
  });

  const flipped = (b: Buffer, at: number): Buffer => {
    const copy = Buffer.from(b);
    copy[at] ^= 0x01;
    return copy;
  };

  describe.each<[string, keyof SealedValue]>([
    ['ciphertext', 'ciphertext'],
    ['nonce', 'nonce'],
    ['tag', 'authTag'],
  ])('a flipped bit in the %s', (_label, field) => {
    const sealed = sealValue(plaintext, dataKey, aad);
    // First, middle and last byte: GCM must cover every position, not just a prefix.
    it.each([0, Math.floor(sealed[field].length / 2), sealed[field].length - 1])('at byte %i fails to open', (at) => {
      expect(() => openValue({ ...sealed, [field]: flipped(sealed[field], at) }, dataKey, aad)).toThrow();
    });
  });

  // GCM accepts short tags unless told the length; a 4-byte tag would leave a forger 2^32 guesses.
  it.each([4, 12, 15])('fails to open a tag truncated to %i bytes', (bytes) => {
    const sealed = sealValue(plaintext, dataKey, aad);
    expect(() => openValue({ ...sealed, authTag: sealed.authTag.subarray(0, bytes) }, dataKey, aad)).toThrow();
  });

  describe('a value moved to another row (swapped AAD) fails to open', () => {
    const sealed = sealValue(plaintext, dataKey, aad);
    it.each<[string, Partial<SecretAad>]>([
      ['another tenant', { tenantId: randomUUID() }],
      ['another connection', { connectionId: randomUUID() }],
      ['another name', { name: 'epic.client-secret-2' }],
      ['another version (older)', { version: 2 }],
      ['another version (newer)', { version: 4 }],
    ])('%s', (_label, change) => {
      expect(() => openValue(sealed, dataKey, { ...aad, ...change })).toThrow();
    });

    it("the other row's own value does not open under this row's AAD either", () => {
      const other: SecretAad = { tenantId: randomUUID(), connectionId: randomUUID(), name: 'other', version: 1 };
      const otherSealed = sealValue(Buffer.from('other value'), dataKey, other);
      expect(() => openValue(otherSealed, dataKey, aad)).toThrow();
      expect(openValue(otherSealed, dataKey, other).toString()).toBe('other value');
    });
  });

  it('encodes the AAD so no field can bleed into its neighbour', () => {
    const a = encodeAad({ tenantId: 'ab', connectionId: 'c', name: 'n', version: 1 });
    const b = encodeAad({ tenantId: 'a', connectionId: 'bc', name: 'n', version: 1 });
    expect(a.equals(b)).toBe(false);
    // A name that looks like the JSON structure must stay a single field.
    const c = encodeAad({ tenantId: 't', connectionId: 'c', name: 'n","x', version: 1 });
    const d = encodeAad({ tenantId: 't', connectionId: 'c","n', name: 'x', version: 1 });
    expect(c.equals(d)).toBe(false);

    const sealed = sealValue(plaintext, dataKey, { tenantId: 'ab', connectionId: 'c', name: 'n', version: 1 });
    expect(() => openValue(sealed, dataKey, { tenantId: 'a', connectionId: 'bc', name: 'n', version: 1 })).toThrow();
  });

  it('round-trips an empty and a large binary value', () => {
    const big = randomBytes(64 * 1024);
    expect(openValue(sealValue(big, dataKey, aad), dataKey, aad)).toEqual(big);
    expect(openValue(sealValue(Buffer.alloc(0), dataKey, aad), dataKey, aad)).toEqual(Buffer.alloc(0));
  });
});
