import { randomBytes } from 'node:crypto';
import { generateApiKey, looksLikeApiKey, safeEqual, sha256Hex } from './credentials';
import { open, seal } from './sealed-box';

describe('generateApiKey', () => {
  it('produces a key that starts with its prefix and hashes to its keyHash', () => {
    const k = generateApiKey();
    expect(k.key.startsWith(`${k.prefix}_`)).toBe(true);
    expect(k.keyHash).toBe(sha256Hex(k.key));
    expect(looksLikeApiKey(k.key)).toBe(true);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });

  it('does not accept a JWT or a truncated key as an API key', () => {
    const k = generateApiKey();
    expect(looksLikeApiKey(k.key.slice(0, -1))).toBe(false);
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
  });
});

describe('safeEqual', () => {
  it('compares by value', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('sealed box', () => {
  const key = randomBytes(32);
  it('round-trips', () => {
    expect(open(key, seal(key, 'private', 'ctx'), 'ctx')).toBe('private');
  });
  it('fails to open under another context or key', () => {
    const sealed = seal(key, 'private', 'ctx');
    expect(() => open(key, sealed, 'other')).toThrow();
    expect(() => open(randomBytes(32), sealed, 'ctx')).toThrow();
  });
  it('refuses a truncated authentication tag', () => {
    const [v, iv, tag, body] = seal(key, 'private', 'ctx').split('.');
    const short = Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => open(key, [v, iv, short, body].join('.'), 'ctx')).toThrow();
  });
  it('does not contain the plaintext', () => {
    expect(seal(key, 'private-value', 'ctx')).not.toContain('private-value');
  });
});
