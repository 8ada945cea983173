import type { InboundRoute } from '@sb/db';

export interface RouteCacheOptions {
  /** How long a lookup (a route, or "no route") is reused. */
  readonly ttlMs: number;
  /** Senders remembered at most; the oldest entry goes first. */
  readonly maxEntries: number;
  /** Injectable clock for tests. */
  readonly now?: () => number;
}

type Lookup = (sendingFacility: string, sendingApplication: string) => Promise<InboundRoute | null>;

/**
 * Sender → route lookups reused for a short TTL, so a busy feed does not query the
 * connection table for every message. Concurrent lookups of one sender share a query;
 * a failed lookup is not kept. The price is staleness bounded by the TTL: a connection
 * that is disabled, re-keyed or created keeps or starts routing up to `ttlMs` later,
 * and settings derived per `route.version` follow the same delay.
 */
export class RouteCache {
  private readonly entries = new Map<string, { expiresAt: number; route: Promise<InboundRoute | null> }>();
  private readonly now: () => number;

  constructor(
    private readonly lookup: Lookup,
    private readonly options: RouteCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  find(sendingFacility: string, sendingApplication: string): Promise<InboundRoute | null> {
    if (this.options.ttlMs <= 0) return this.lookup(sendingFacility, sendingApplication);
    // NUL cannot occur in either value (the handler replaces it), so the key is unambiguous.
    const key = `${sendingFacility}\0${sendingApplication}`;
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.route;
    this.entries.delete(key);
    if (this.entries.size >= this.options.maxEntries) this.evict(now);
    const route = this.lookup(sendingFacility, sendingApplication);
    const entry = { expiresAt: now + this.options.ttlMs, route };
    this.entries.set(key, entry);
    route.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return route;
  }

  /** Drops expired entries, then the oldest ones until there is room for one more. */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.options.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
