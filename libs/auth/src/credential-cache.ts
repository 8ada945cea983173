interface Entry<T> {
  value: T;
  expiresAtMs: number;
}

/**
 * A short-lived, bounded cache of verified credentials, so a hot API key is not
 * looked up in Postgres on every request. It is trusted only while revocations
 * reach it (see CredentialInvalidations): until `trust()` and after `distrust()`
 * nothing is served or stored, every lookup goes to the database. Entries live
 * `ttlMs` at most, a backstop for a revocation that was never published.
 */
export class CredentialCache<T extends { id: string; tenantId: string }> {
  private readonly entries = new Map<string, Entry<T>>();
  private trusted = false;
  /** Bumped by every invalidation and trust change: a read that raced one is not stored. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): T | undefined {
    if (!this.trusted) return undefined;
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.value;
  }

  /** Taken before the database read whose result is handed to `set`. */
  mark(): number {
    return this.generation;
  }

  /** Stores a credential read from the database, unless an invalidation (or a loss of trust) came since `mark`. */
  set(hash: string, value: T, mark: number): void {
    if (!this.trusted || mark !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(hash, { value, expiresAtMs: this.now() + this.ttlMs });
  }

  /** Drops every entry of a credential id (revocation). */
  forget(id: string): void {
    this.drop((value) => value.id === id);
  }

  /** Drops every entry of a tenant (suspension). */
  forgetTenant(tenantId: string): void {
    this.drop((value) => value.tenantId === tenantId);
  }

  /** Drops everything (an invalidation this process cannot read). */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Revocations reach this cache from now on: entries may be stored and served. */
  trust(): void {
    this.generation += 1;
    this.trusted = true;
  }

  /** Revocations may be missed from now on: nothing cached is served, nothing is stored. */
  distrust(): void {
    this.trusted = false;
    this.clear();
  }

  private drop(matches: (value: T) => boolean): void {
    this.generation += 1;
    for (const [hash, entry] of this.entries) if (matches(entry.value)) this.entries.delete(hash);
  }
}
