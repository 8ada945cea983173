import { FOREIGN_ORIGIN } from '../faults/apply-fault';
import { postJson, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, athenaToken, body, type AthenaSession } from './testing/athena-session';

describe('fault injection on athena routes', () => {
  let sandbox: TestSandbox;
  let app: AthenaSession;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    app = await athenaSession(sandbox);
    await fetch(`${sandbox.url}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subscriptionDelayMs: 0 }) });
  });
  afterEach(async () => {
    await fetch(`${sandbox.url}/_sandbox/faults?vendor=athena`, { method: 'DELETE' });
  });
  afterAll(() => sandbox.dispose());

  const inject = async (fault: Record<string, unknown>): Promise<void> => {
    const res = await postJson(`${sandbox.url}/_sandbox/faults`, { vendor: 'athena', ...fault });
    expect(res.status).toBe(201);
  };
  const read = (): Promise<Response> => app.get('/patients/7001');

  it('rate-limit: 429 with an athena JSON body, Retry-After only when asked for; the token endpoint is not affected', async () => {
    await inject({ kind: 'rate-limit' });
    expect((await athenaToken(app.tokenUrl, app.clientId, app.clientSecret)).status).toBe(200);
    const bare = await read();
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    const text = await bare.text();
    expect(text.startsWith('\n\n')).toBe(true);
    expect(JSON.parse(text.trim())).toHaveProperty('error');
    expect(text).not.toContain('OperationOutcome');
    await inject({ kind: 'rate-limit', retryAfterSeconds: 7 });
    expect((await read()).headers.get('retry-after')).toBe('7');
    expect((await read()).status).toBe(200);
  });

  it('server-error: count answers with the chosen 5xx, athena-shaped', async () => {
    await inject({ kind: 'server-error', count: 2, status: 502 });
    const first = await read();
    expect(first.status).toBe(502);
    expect(await body(first)).toHaveProperty('error');
    expect([(await read()).status, (await read()).status]).toEqual([502, 200]);
  });

  it('throttle-403: a 403 with no JSON body at all', async () => {
    await inject({ kind: 'throttle-403' });
    const res = await read();
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
    expect((await read()).status).toBe(200);
  });

  it('hang: holds the response for delayMs', async () => {
    await inject({ kind: 'hang', delayMs: 300 });
    const started = Date.now();
    expect((await read()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('token-expiry: 401 as if the hour were over; the token stays dead until a new one is fetched', async () => {
    const victim = await athenaSession(sandbox);
    await inject({ kind: 'token-expiry' });
    const res = await victim.get('/ping');
    expect(res.status).toBe(401);
    expect(await body(res)).toMatchObject({ detailedmessage: 'The access token has expired.' });
    expect((await victim.get('/ping')).status).toBe(401);
    const { access_token: token } = await body<{ access_token: string }>(await athenaToken(victim.tokenUrl, victim.clientId, victim.clientSecret));
    expect((await fetch(victim.url('/ping'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('malformed-json: a 200 whose body does not parse', async () => {
    await inject({ kind: 'malformed-json' });
    const res = await read();
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('slow-drip: headers at once, the body over delayMs', async () => {
    await inject({ kind: 'slow-drip', delayMs: 400 });
    const started = Date.now();
    const res = await app.get('/chart/7001/vitals?departmentid=1');
    expect(Date.now() - started).toBeLessThan(300);
    expect(await body(res)).toHaveProperty('vitals');
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('foreign-next-link: waits for a paged list, whose next then points at another host', async () => {
    await inject({ kind: 'foreign-next-link' });
    expect((await read()).status).toBe(200);
    const page = await body<{ next: string }>(await app.get('/providers?limit=2'));
    expect(page.next).toBe(`${FOREIGN_ORIGIN}/v1/195900/providers?offset=2&limit=2`);
    expect((await body<{ next: string }>(await app.get('/providers?limit=2'))).next.startsWith('/v1/')).toBe(true);
  });

  it('soft-failure: waits for a write, which answers 200 {"success":"false"} and does nothing', async () => {
    const slot = (await body<{ appointments: { appointmentid: number }[] }>(await app.get('/appointments/open?departmentid=1&startdate=11/12/2026&enddate=11/12/2026'))).appointments[0]?.appointmentid;
    await inject({ kind: 'soft-failure' });
    expect((await read()).status).toBe(200);
    const res = await app.send('PUT', `/appointments/${slot}`, { patientid: '7001' });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ success: 'false', errormessage: expect.any(String) });
    expect((await body<{ appointmentstatus: string }[]>(await app.get(`/appointments/${slot}`)))[0]?.appointmentstatus).toBe('o');
  });

  it('subscription-not-ready: waits for a change-feed poll, which answers athena’s 403 even when subscribed', async () => {
    await app.send('POST', '/appointments/changed/subscription');
    await inject({ kind: 'subscription-not-ready' });
    expect((await app.get('/ping')).status).toBe(200);
    const res = await app.get('/appointments/changed');
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual({ error: 'Changed messages require setup (subscription) that has not been done.' });
    expect((await app.get('/appointments/changed')).status).toBe(200);
  });

  it('refuses the athena-only kinds for the other vendors, and lists athena faults apart', async () => {
    for (const kind of ['throttle-403', 'soft-failure', 'subscription-not-ready']) expect((await postJson(`${sandbox.url}/_sandbox/faults`, { vendor: 'epic', kind })).status).toBe(400);
    await inject({ kind: 'server-error', count: 3 });
    const listed = (await (await fetch(`${sandbox.url}/_sandbox/faults?vendor=athena`)).json()) as { vendor: string; remaining: number }[];
    expect(listed.map((f) => [f.vendor, f.remaining])).toEqual([['athena', 3]]);
    expect(((await (await fetch(`${sandbox.url}/_sandbox/faults?vendor=epic`)).json()) as unknown[]).length).toBe(0);
  });
});
