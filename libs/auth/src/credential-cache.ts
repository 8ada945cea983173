interface Entry<T> {
  value: T;
  expiresAtMs: number;
}

/**
 * A short-lived, bounded cache of verified credentials, so a hot API key is not
 * looked up in Postgres on every request. Entries live `ttlMs` at most: a key
 * revoked in another process stops working within that bound; in this process
 * `forget` drops it at once.
 */
export class CredentialCache<T extends { id: string }> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): T | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.value;
  }

  set(hash: string, value: T): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(hash, { value, expiresAtMs: this.now() + this.ttlMs });
  }

  /** Drops every entry of a credential id (revocation, scope change). */
  forget(id: string): void {
    for (const [hash, entry] of this.entries) if (entry.value.id === id) this.entries.delete(hash);
  }
}
