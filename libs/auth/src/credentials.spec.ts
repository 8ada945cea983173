import { randomBytes } from 'node:crypto';
import { generateApiKey, looksLikeApiKey, safeEqual, sha256Hex } from './credentials';
import { open, resealUnderMasterKey, seal } from './sealed-box';

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
    expect(open([key], seal(key, 'private', 'ctx'), 'ctx')).toBe('private');
  });
  it('fails to open under another context or key', () => {
    const sealed = seal(key, 'private', 'ctx');
    expect(() => open([key], sealed, 'other')).toThrow();
    expect(() => open([randomBytes(32)], sealed, 'ctx')).toThrow();
    expect(() => open([], sealed, 'ctx')).toThrow();
  });
  it('opens with a previous key when the current one cannot', () => {
    const previous = randomBytes(32);
    expect(open([key, previous], seal(previous, 'private', 'ctx'), 'ctx')).toBe('private');
  });
  it('refuses a truncated authentication tag', () => {
    const [v, iv, tag, body] = seal(key, 'private', 'ctx').split('.');
    const short = Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => open([key], [v, iv, short, body].join('.'), 'ctx')).toThrow();
  });
  it('does not contain the plaintext', () => {
    expect(seal(key, 'private-value', 'ctx')).not.toContain('private-value');
  });
  it('reseals what a previous master key sealed, leaves what the current one sealed, and refuses what no configured key opens', () => {
    const previous = randomBytes(32);
    const config = { vaultMasterKey: key, previousMasterKeys: [previous] };
    const resealed = resealUnderMasterKey(config, seal(previous, 'private', 'ctx'), 'ctx');
    expect(resealed).not.toBeNull();
    expect(open([key], resealed ?? '', 'ctx')).toBe('private');
    expect(resealUnderMasterKey(config, seal(key, 'private', 'ctx'), 'ctx')).toBeNull();
    expect(() => resealUnderMasterKey(config, seal(randomBytes(32), 'private', 'ctx'), 'ctx')).toThrow();
  });
});
