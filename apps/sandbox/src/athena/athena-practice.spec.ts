import { postJson, startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { athenaSession, athenaToken, body, manualClock, type AthenaSession } from './testing/athena-session';

describe('athena practice guard and directory', () => {
  const clock = manualClock('2026-11-03T14:00:00Z');
  let sandbox: TestSandbox;
  let app: AthenaSession;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ now: clock.now });
    app = await athenaSession(sandbox);
  });
  afterAll(() => sandbox.dispose());

  it('answers /ping with the string "true"', async () => {
    const res = await app.get('/ping');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ pong: 'true' });
  });

  it('answers 404 Invalid practice for a practice that does not exist', async () => {
    const res = await app.get('/ping', '123456');
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ error: 'Invalid practice.', detailedmessage: 'The practice ID does not exist.' });
  });

  it('answers 401 Incorrect permissions for a practice not granted to the app, and serves it once granted', async () => {
    const res = await app.get('/ping', '195901');
    expect(res.status).toBe(401);
    expect(await body(res)).toEqual({ error: 'Incorrect permissions.', detailedmessage: 'Bad auth.' });
    const both = await athenaSession(sandbox, { practiceIds: ['195900', '195901'] });
    expect((await both.get('/ping', '195901')).status).toBe(200);
    expect((await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'athena', practiceIds: ['999'] })).status).toBe(400);
  });

  it('answers 401 without a bearer, with an unknown one, and once the hour is over', async () => {
    expect((await fetch(app.url('/ping'))).status).toBe(401);
    expect((await fetch(app.url('/ping'), { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const short = await athenaSession(sandbox);
    clock.advance(3600_000);
    const res = await short.get('/ping');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    clock.advance(-3600_000);
  });

  it('starts 4xx bodies with blank lines, as athena does', async () => {
    const text = await (await app.get('/ping', '123456')).text();
    expect(text.startsWith('\n\n{')).toBe(true);
    expect(() => JSON.parse(text.trim()) as unknown).not.toThrow();
  });

  it('answers an unknown endpoint with an athena-shaped 404', async () => {
    const res = await app.get('/nosuchthing');
    expect(res.status).toBe(404);
    expect(await body(res)).toHaveProperty('error');
  });

  it('lists departments in three time zones, with ids as strings and zone offsets as numbers', async () => {
    const list = await body<{ departments: Record<string, unknown>[]; totalcount: number }>(await app.get('/departments'));
    expect(list.totalcount).toBe(3);
    expect(list.departments.map((d) => [d.departmentid, d.timezonename])).toEqual([
      ['1', 'US/Eastern'],
      ['150', 'US/Central'],
      ['162', 'US/Pacific'],
    ]);
    const eastern = list.departments[0] as Record<string, unknown>;
    expect(eastern).toMatchObject({ timezone: -5, timezoneoffset: -5, providergroupid: '1', doesnotobservedst: false });
    expect(typeof eastern.address).toBe('string');
    const one = await body<Record<string, unknown>[]>(await app.get('/departments/150'));
    expect(one).toHaveLength(1);
    expect(one[0]?.timezonename).toBe('US/Central');
    expect((await app.get('/departments/9')).status).toBe(404);
  });

  it('lists providers with numeric providerid and npi, and one provider as a one-element array', async () => {
    const list = await body<{ providers: Record<string, unknown>[]; totalcount: number }>(await app.get('/providers'));
    expect(list.totalcount).toBe(10);
    expect(list.providers[0]?.providerid).toBe(21);
    expect(typeof list.providers[0]?.npi).toBe('number');
    const one = await body<Record<string, unknown>[]>(await app.get('/providers/27'));
    expect(one.map((p) => p.providerid)).toEqual([27]);
  });

  it('lists appointment types and patient appointment reasons', async () => {
    const types = await body<{ appointmenttypes: { appointmenttypeid: string; duration: string }[] }>(await app.get('/appointmenttypes'));
    expect(types.appointmenttypes.map((t) => t.appointmenttypeid)).toEqual(['2', '4', '82']);
    expect(types.appointmenttypes[2]?.duration).toBe('15');
    const reasons = await body<{ patientappointmentreasons: { reasonid: number }[] }>(await app.get('/patientappointmentreasons'));
    expect(reasons.patientappointmentreasons).toHaveLength(3);
  });

  it('pages a list with limit/offset and a relative next that includes /v1/{practiceid}', async () => {
    const first = await body<{ providers: { providerid: number }[]; totalcount: number; next: string }>(await app.get('/providers?limit=4'));
    expect(first.providers.map((p) => p.providerid)).toEqual([21, 22, 23, 24]);
    expect(first.totalcount).toBe(10);
    expect(first.next).toBe('/v1/195900/providers?offset=4&limit=4');
    const ids: number[] = first.providers.map((p) => p.providerid);
    let next: string | undefined = first.next;
    while (next) {
      const page: { providers: { providerid: number }[]; next?: string; previous?: string } = await body(await app.get(next));
      expect(page.previous).toMatch(/^\/v1\/195900\/providers\?offset=\d+&limit=4$/);
      ids.push(...page.providers.map((p) => p.providerid));
      next = page.next;
    }
    expect(ids).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect((await app.get('/providers?limit=abc')).status).toBe(400);
  });

  it('keeps a token working for every practice the app is granted (tokens are per app, not per practice)', async () => {
    const reg = await athenaSession(sandbox, { practiceIds: ['195901', '195900'] });
    expect(reg.practiceId).toBe('195901');
    const token = await athenaToken(reg.tokenUrl, reg.clientId, reg.clientSecret);
    const { access_token: bearer } = await body<{ access_token: string }>(token);
    for (const practice of ['195900', '195901']) {
      expect((await fetch(`${reg.athenaBaseUrl}/v1/${practice}/ping`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);
    }
  });
});
