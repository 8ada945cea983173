import { TokenCache, TOKEN_REFRESH_MARGIN_MS } from './token-cache';

describe('TokenCache', () => {
  let now = 1_000_000;
  const cache = () => new TokenCache(() => now);

  it('makes one token request for 100 concurrent callers', async () => {
    const c = cache();
    let requests = 0;
    const fetchToken = async () => {
      requests += 1;
      await new Promise((r) => setTimeout(r, 10));
      return { accessToken: 't1', expiresAtMs: now + 300_000 };
    };
    const tokens = await Promise.all(Array.from({ length: 100 }, () => c.get('k', fetchToken)));
    expect(requests).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['t1']));
  });

  it('refreshes before expiry, not after', async () => {
    const c = cache();
    let n = 0;
    const fetchToken = () => Promise.resolve({ accessToken: `t${++n}`, expiresAtMs: now + 300_000 });
    expect((await c.get('k', fetchToken)).accessToken).toBe('t1');
    now += 300_000 - TOKEN_REFRESH_MARGIN_MS - 1;
    expect((await c.get('k', fetchToken)).accessToken).toBe('t1');
    now += 2;
    expect((await c.get('k', fetchToken)).accessToken).toBe('t2');
  });

  it('does not cache a failed request', async () => {
    const c = cache();
    await expect(c.get('k', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect((await c.get('k', () => Promise.resolve({ accessToken: 'ok', expiresAtMs: now + 300_000 }))).accessToken).toBe('ok');
  });

  it('keys tokens by connection, token URL and scope set', () => {
    expect(TokenCache.keyOf('c1', 'https://a/token', ['b', 'a'])).toBe(TokenCache.keyOf('c1', 'https://a/token', ['a', 'b']));
    expect(TokenCache.keyOf('c1', 'https://a/token', ['a'])).not.toBe(TokenCache.keyOf('c1', 'https://b/token', ['a']));
  });

  it('forgets a refused token only if it is still the cached one', async () => {
    const c = cache();
    let n = 0;
    const fetchToken = () => Promise.resolve({ accessToken: `t${++n}`, expiresAtMs: now + 300_000 });
    await c.get('k', fetchToken);
    c.invalidate('k', 'stale');
    expect((await c.get('k', fetchToken)).accessToken).toBe('t1');
    c.invalidate('k', 't1');
    expect((await c.get('k', fetchToken)).accessToken).toBe('t2');
  });
});
