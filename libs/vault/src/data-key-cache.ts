import { createHash } from 'node:crypto';

interface Entry {
  key: Buffer;
  expiresAtMs: number;
}

/**
 * Unwrapped data keys, kept briefly so hot paths do not call the KMS per request.
 * Bounded by size (least recently used evicted first) and by TTL; evicted keys are
 * zeroed. Entries are keyed by a hash of the wrapped key, so a re-wrapped or
 * replaced key never hits a stale entry.
 */
export class DataKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  static keyFor(secretVersionId: string, wrappedKey: Buffer): string {
    return createHash('sha256').update(secretVersionId).update(wrappedKey).digest('base64url');
  }

  /** A copy of the cached key (callers zero their copy), or undefined. */
  get(id: string): Buffer | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.evict(id, entry);
      return undefined;
    }
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.entries.delete(id);
    this.entries.set(id, entry);
    return Buffer.from(entry.key);
  }

  set(id: string, key: Buffer): void {
    if (this.maxEntries === 0 || this.ttlMs === 0) return;
    const existing = this.entries.get(id);
    if (existing) this.evict(id, existing);
    this.entries.set(id, { key: Buffer.from(key), expiresAtMs: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, Entry];
      this.evict(oldestId, oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const [id, entry] of this.entries) this.evict(id, entry);
  }

  private evict(id: string, entry: Entry): void {
    entry.key.fill(0);
    this.entries.delete(id);
  }
}
