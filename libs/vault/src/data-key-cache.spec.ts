import { randomBytes } from 'node:crypto';
import { DataKeyCache } from './data-key-cache';

/**
 * The buffers the cache holds. Zeroing happens to entries that are no longer
 * reachable through the public API, so the only way to see it is to keep a
 * reference to the stored buffer before it is evicted: this reads the private map
 * on purpose, and breaks loudly if the cache's storage changes shape.
 */
function storedKey(cache: DataKeyCache, id: string): Buffer {
  const entries = (cache as unknown as { entries: Map<string, { key: Buffer }> }).entries;
  if (!(entries instanceof Map)) throw new Error('DataKeyCache no longer stores entries in `entries`: update this test');
  const entry = entries.get(id);
  if (!entry) throw new Error(`no stored entry for ${id}`);
  return entry.key;
}

const isZeroed = (b: Buffer): boolean => b.length > 0 && b.every((byte) => byte === 0);

describe('DataKeyCache', () => {
  let nowMs: number;
  const clock = (): number => nowMs;
  beforeEach(() => {
    nowMs = 1_000_000;
  });

  describe('copies', () => {
    it('keeps the key when the caller zeroes its buffer after set (as VaultService.open does)', () => {
      const cache = new DataKeyCache(60_000, 10, clock);
      const key = randomBytes(32);
      const original = Buffer.from(key);
      cache.set('a', key);
      key.fill(0);
      expect(cache.get('a')).toEqual(original);
    });

    it('hands out independent copies: zeroing one does not wipe the cached key or other copies', () => {
      const cache = new DataKeyCache(60_000, 10, clock);
      const original = randomBytes(32);
      cache.set('a', original);
      const first = cache.get('a') as Buffer;
      const second = cache.get('a') as Buffer;
      expect(first).not.toBe(second);
      first.fill(0);
      expect(second).toEqual(original);
      expect(cache.get('a')).toEqual(original);
    });
  });

  describe('TTL', () => {
    it('serves a key until its TTL has passed, then forgets and zeroes it', () => {
      const cache = new DataKeyCache(100, 10, clock);
      const key = randomBytes(32);
      cache.set('a', key);
      const stored = storedKey(cache, 'a');

      nowMs += 99;
      expect(cache.get('a')).toEqual(key);
      nowMs += 1;
      expect(cache.get('a')).toBeUndefined();
      expect(cache.size).toBe(0);
      expect(isZeroed(stored)).toBe(true);
    });

    it('counts the TTL from when the key was unwrapped, not from its last use', () => {
      const cache = new DataKeyCache(100, 10, clock);
      cache.set('a', randomBytes(32));
      for (let i = 0; i < 9; i++) {
        nowMs += 10;
        expect(cache.get('a')).toBeDefined();
      }
      nowMs += 10;
      expect(cache.get('a')).toBeUndefined();
    });

    it('restarts the TTL when the same id is set again, zeroing the replaced buffer', () => {
      const cache = new DataKeyCache(100, 10, clock);
      cache.set('a', randomBytes(32));
      const replaced = storedKey(cache, 'a');
      nowMs += 90;
      const fresh = randomBytes(32);
      cache.set('a', fresh);
      expect(isZeroed(replaced)).toBe(true);
      expect(cache.size).toBe(1);
      nowMs += 90;
      expect(cache.get('a')).toEqual(fresh);
    });
  });

  describe('size bound (least recently used goes first)', () => {
    it('evicts the oldest entry when full, and zeroes it', () => {
      const cache = new DataKeyCache(60_000, 2, clock);
      const a = randomBytes(32);
      cache.set('a', a);
      const storedA = storedKey(cache, 'a');
      cache.set('b', randomBytes(32));
      cache.set('c', randomBytes(32));

      expect(cache.size).toBe(2);
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('b')).toBeDefined();
      expect(cache.get('c')).toBeDefined();
      expect(isZeroed(storedA)).toBe(true);
    });

    it('a get marks an entry as recently used, so the other one is evicted', () => {
      const cache = new DataKeyCache(60_000, 2, clock);
      const a = randomBytes(32);
      cache.set('a', a);
      cache.set('b', randomBytes(32));
      const storedB = storedKey(cache, 'b');
      expect(cache.get('a')).toEqual(a);
      cache.set('c', randomBytes(32));

      expect(cache.get('b')).toBeUndefined();
      expect(isZeroed(storedB)).toBe(true);
      expect(cache.get('a')).toEqual(a);
      expect(cache.get('c')).toBeDefined();
    });

    it('never grows past its bound', () => {
      const cache = new DataKeyCache(60_000, 50, clock);
      for (let i = 0; i < 500; i++) cache.set(`k${i}`, randomBytes(32));
      expect(cache.size).toBe(50);
      expect(cache.get('k449')).toBeUndefined();
      expect(cache.get('k450')).toBeDefined();
      expect(cache.get('k499')).toBeDefined();
    });
  });

  it('clear() forgets and zeroes every key', () => {
    const cache = new DataKeyCache(60_000, 10, clock);
    for (const id of ['a', 'b', 'c']) cache.set(id, randomBytes(32));
    const stored = ['a', 'b', 'c'].map((id) => storedKey(cache, id));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(['a', 'b', 'c'].map((id) => cache.get(id))).toEqual([undefined, undefined, undefined]);
    expect(stored.every(isZeroed)).toBe(true);
  });

  it.each([
    ['a TTL of 0', 0, 10],
    ['a size of 0', 60_000, 0],
  ])('with %s caches nothing', (_label, ttlMs, maxEntries) => {
    const cache = new DataKeyCache(ttlMs, maxEntries, clock);
    cache.set('a', randomBytes(32));
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });

  describe('keyFor', () => {
    const wrapped = randomBytes(60);

    it('is stable for the same version and wrapped key', () => {
      expect(DataKeyCache.keyFor('v1', wrapped)).toBe(DataKeyCache.keyFor('v1', Buffer.from(wrapped)));
    });

    it('changes when the data key is re-wrapped, so a rotated row never hits a stale entry', () => {
      const rewrapped = Buffer.from(wrapped);
      rewrapped[rewrapped.length - 1] ^= 0xff;
      expect(DataKeyCache.keyFor('v1', rewrapped)).not.toBe(DataKeyCache.keyFor('v1', wrapped));
    });

    it('differs per secret version even for identical wrapped bytes', () => {
      expect(DataKeyCache.keyFor('v1', wrapped)).not.toBe(DataKeyCache.keyFor('v2', wrapped));
    });

    it('does not contain the wrapped key', () => {
      const id = DataKeyCache.keyFor('v1', wrapped);
      expect(id).not.toContain(wrapped.toString('base64url'));
      expect(id).not.toContain(wrapped.toString('hex'));
    });
  });
});
