export interface CachedToken {
  accessToken: string;
  expiresAtMs: number;
}

/** Refresh this long before expiry, so a token never expires in flight. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * Access tokens per (connection, scopes), refreshed before expiry, with single
 * flight: concurrent callers share one token request instead of each making one.
 * Keys include the token URL, so a token is only reused for the server it came from.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  static keyOf(connectionId: string, tokenUrl: string, scopes: readonly string[]): string {
    return JSON.stringify([connectionId, tokenUrl, [...scopes].sort()]);
  }

  async get(key: string, fetchToken: () => Promise<CachedToken>): Promise<CachedToken> {
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAtMs - TOKEN_REFRESH_MARGIN_MS > this.now()) return cached;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = fetchToken()
        .then((token) => {
          this.tokens.set(key, token);
          return token;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Drops a token the server refused (expired or revoked early). */
  invalidate(key: string, accessToken: string): void {
    if (this.tokens.get(key)?.accessToken === accessToken) this.tokens.delete(key);
  }

  /** Drops every token of a connection (its settings or keys changed). */
  invalidateConnection(connectionId: string): void {
    for (const key of this.tokens.keys()) if ((JSON.parse(key) as string[])[0] === connectionId) this.tokens.delete(key);
  }
}
