import { InMemoryRequestBudget, TokenCache } from '@sb/adapters/contracts';
import { athenaConnection, athenaContext, ScriptedAthena } from './athena-client.test-kit';
import { AthenaHttp } from './athena-http';

describe('athena auth', () => {
  let athena: ScriptedAthena;
  beforeAll(async () => {
    athena = await new ScriptedAthena().start();
  });
  afterAll(() => athena.close());
  beforeEach(() => {
    athena.seen.length = 0;
    athena.handler = () => undefined;
  });

  const ping = { body: { pong: 'true' } };

  it('asks for a token with HTTP Basic, a form body and the MDP scope, once for 50 concurrent calls', async () => {
    athena.handler = (req) => (req.path.endsWith('/ping') ? ping : undefined);
    const http = AthenaHttp.for(athenaContext(athenaConnection(athena.url)));
    await Promise.all(Array.from({ length: 50 }, () => http.get('/ping')));
    const tokens = athena.tokenRequests();
    expect(tokens).toHaveLength(1);
    const token = tokens[0]!;
    expect(token.method).toBe('POST');
    expect(token.path).toBe('/athena/oauth2/v1/token');
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Buffer.from((token.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString()).toBe(`unit-client:${encodeURIComponent('s3cret:with/odd chars')}`);
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({ grant_type: 'client_credentials', scope: 'athena/service/Athenanet.MDP.*' });
    expect(athena.apiRequests().every((r) => r.headers.authorization === 'Bearer tok-1')).toBe(true);
  });

  it('keeps a token for its lifetime (expires_in as a string or a number) and refreshes it before expiry', async () => {
    athena.handler = (req) => (req.path.endsWith('/oauth2/v1/token') ? { body: { access_token: `t-${athena.seen.length}`, expires_in: 3600 } } : ping);
    let now = Date.now();
    const tokens = new TokenCache(() => now);
    const http = AthenaHttp.for(athenaContext(athenaConnection(athena.url), { tokens }));
    await http.get('/ping');
    now += 50 * 60_000;
    await http.get('/ping');
    expect(athena.tokenRequests()).toHaveLength(1);
    // 5 min before the hour is up the cached token is no longer handed out.
    now += 6 * 60_000;
    await http.get('/ping');
    expect(athena.tokenRequests()).toHaveLength(2);
  });

  it("types athena's token 429 as RateLimited with Retry-After (the minute's end when athena sends none)", async () => {
    athena.handler = (req) => (req.path.endsWith('/oauth2/v1/token') ? { status: 429, body: { error: 'rate_limit_exceeded' } } : ping);
    await expect(AthenaHttp.for(athenaContext(athenaConnection(athena.url))).get('/ping')).rejects.toMatchObject({
      code: 'rate_limited',
      details: { reason: 'token_rate_limited', vendorStatus: 429, retryAfterSeconds: 60 },
    });
    athena.handler = (req) => (req.path.endsWith('/oauth2/v1/token') ? { status: 429, body: {}, headers: { 'retry-after': '17' } } : ping);
    await expect(AthenaHttp.for(athenaContext(athenaConnection(athena.url))).get('/ping')).rejects.toMatchObject({ details: { retryAfterSeconds: 17 } });
    expect(athena.tokenRequests()).toHaveLength(2);
  });

  it('refuses locally, before athena would, once the client id has had its tokens this minute (shared by every connection of the client)', async () => {
    athena.handler = (req) => (req.path.endsWith('/ping') ? ping : undefined);
    const budget = new InMemoryRequestBudget();
    const dialect = { requestsPerSecond: 1000, tokensPerMinute: 2 };
    // Three connections (fresh token caches) of one client id: the third token request is refused here.
    const call = () => AthenaHttp.for(athenaContext(athenaConnection(athena.url, { dialect }), { budget })).get('/ping');
    await call();
    await call();
    await expect(call()).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'token_budget' } });
    expect(athena.tokenRequests()).toHaveLength(2);
    // Another client id has its own count.
    await expect(AthenaHttp.for(athenaContext(athenaConnection(athena.url, { dialect, clientId: 'other' }), { budget })).get('/ping')).resolves.toEqual({ pong: 'true' });
  });

  it('types a malformed token answer and refused credentials', async () => {
    athena.handler = (req) => (req.path.endsWith('/oauth2/v1/token') ? { body: { token: 'x' } } : ping);
    await expect(AthenaHttp.for(athenaContext(athenaConnection(athena.url))).get('/ping')).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'malformed_token' } });
    athena.handler = (req) => (req.path.endsWith('/oauth2/v1/token') ? { status: 401, body: { error: 'invalid_client' } } : ping);
    await expect(AthenaHttp.for(athenaContext(athenaConnection(athena.url))).get('/ping')).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'credentials_refused' } });
  });
});
