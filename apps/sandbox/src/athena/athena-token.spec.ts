import { postJson, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaToken, body, manualClock, registerAthena, type AthenaRegistration } from './testing/athena-session';

describe('athena token endpoint', () => {
  const clock = manualClock('2026-11-03T15:00:10Z');
  let sandbox: TestSandbox;
  let app: AthenaRegistration;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await registerAthena(sandbox);
  });
  afterAll(() => sandbox.dispose());

  it('registers an app with its base and token URLs and practice 195900 by default', () => {
    expect(app.athenaBaseUrl).toBe(`${sandbox.url}/athena`);
    expect(app.tokenUrl).toBe(`${sandbox.url}/athena/oauth2/v1/token`);
    expect(app.practiceId).toBe('195900');
    expect(app.clientSecret.length).toBeGreaterThan(30);
  });

  it('issues a 1 h token with expires_in as a string, the scope, and the minute quota headers', async () => {
    const fresh = await registerAthena(sandbox);
    const res = await athenaToken(fresh.tokenUrl, fresh.clientId, fresh.clientSecret);
    expect(res.status).toBe(200);
    const token = await body(res);
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_in', 'scope']);
    expect(token.expires_in).toBe('3600');
    expect(token.scope).toBe('athena/service/Athenanet.MDP.*');
    expect(res.headers.get('x-ratelimit-limit')).toBe('5');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('refuses a wrong secret, an unknown client and a client of another vendor with 401', async () => {
    expect((await athenaToken(app.tokenUrl, app.clientId, 'wrong')).status).toBe(401);
    expect((await athenaToken(app.tokenUrl, 'nobody', app.clientSecret)).status).toBe(401);
    const oracle = (await (await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'oracle' })).json()) as { clientId: string; clientSecret: string };
    expect((await athenaToken(app.tokenUrl, oracle.clientId, oracle.clientSecret)).status).toBe(401);
    const noAuth = await fetch(app.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'athena/service/Athenanet.MDP.*' }) });
    expect(noAuth.status).toBe(401);
    expect(((await body(noAuth)) as { error: string }).error).toBe('invalid_client');
  });

  it('wants grant_type=client_credentials and the MDP scope', async () => {
    const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
    const wrongGrant = await fetch(app.tokenUrl, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'password', scope: 'athena/service/Athenanet.MDP.*' }) });
    expect(wrongGrant.status).toBe(400);
    expect((await athenaToken(app.tokenUrl, app.clientId, app.clientSecret, 'system/Patient.read')).status).toBe(400);
  });

  it('allows five new tokens a minute per client, then 429 until the minute is over', async () => {
    const limited = await registerAthena(sandbox);
    clock.set('2026-11-03T15:01:05Z');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await athenaToken(limited.tokenUrl, limited.clientId, limited.clientSecret)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    clock.set('2026-11-03T15:01:59Z');
    const still = await athenaToken(limited.tokenUrl, limited.clientId, limited.clientSecret);
    expect(still.status).toBe(429);
    expect(still.headers.get('x-ratelimit-remaining')).toBe('0');
    // Another client has its own quota.
    expect((await athenaToken(app.tokenUrl, app.clientId, app.clientSecret)).status).toBe(200);
    clock.set('2026-11-03T15:02:00Z');
    expect((await athenaToken(limited.tokenUrl, limited.clientId, limited.clientSecret)).status).toBe(200);
  });

  it('takes the quota from the settings', async () => {
    const res = await fetch(`${sandbox.url}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokensPerMinute: 2 }) });
    expect(await res.json()).toEqual({ tokensPerMinute: 2, subscriptionDelayMs: 10_000 });
    const fresh = await registerAthena(sandbox);
    clock.set('2026-11-03T15:05:00Z');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await athenaToken(fresh.tokenUrl, fresh.clientId, fresh.clientSecret)).status);
    expect(statuses).toEqual([200, 200, 429]);
    await fetch(`${sandbox.url}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokensPerMinute: 5 }) });
  });
});
