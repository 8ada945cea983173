import { InMemoryRequestBudget } from '@sb/adapters/contracts';
import { athenaConnection, athenaContext, ScriptedAthena, type ScriptedReply, type SeenRequest } from './athena-client.test-kit';
import { AthenaHttp, formBody } from './athena-http';
import { AthenaScheduling } from './scheduling';

describe('athena request core', () => {
  let athena: ScriptedAthena;
  beforeAll(async () => {
    athena = await new ScriptedAthena().start();
  });
  afterAll(() => athena.close());
  beforeEach(() => {
    athena.seen.length = 0;
  });

  /** Answers API calls with `replies` in turn (the last one repeats); tokens as usual. */
  const script = (...replies: ScriptedReply[]) => {
    let i = 0;
    athena.handler = (req: SeenRequest) => (req.path.endsWith('/oauth2/v1/token') ? undefined : replies[Math.min(i++, replies.length - 1)]);
  };
  const client = (timeoutMs?: number) => AthenaHttp.for(athenaContext(athenaConnection(athena.url), { timeoutMs }));

  it('calls ${base}/v1/${practiceId}${path} with the bearer token and parses bodies that start with blank lines', async () => {
    script({ raw: '\n\n  [{"patientid":"1"}]' });
    await expect(client().get('/patients/1', { departmentid: '1', blank: '', none: undefined })).resolves.toEqual([{ patientid: '1' }]);
    const [req] = athena.apiRequests();
    expect(req).toMatchObject({ method: 'GET', path: '/athena/v1/195900/patients/1' });
    expect(req!.query.toString()).toBe('departmentid=1');
    expect(req!.headers.authorization).toMatch(/^Bearer tok-\d+$/);
  });

  it('types a body that is not JSON as a malformed response', async () => {
    script({ raw: '<html>oops' });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'malformed_response' } });
  });

  it('types 200s that are failures: success "false"/false or a bare string; a read is vendor_error, a write validation_failed', async () => {
    script({ body: { success: 'false', errormessage: 'Patient John Doe not found' } });
    const read = client().get('/x');
    await expect(read).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'vendor_failure', vendorStatus: 200 } });
    await expect(read).rejects.not.toMatchObject({ message: expect.stringContaining('John') });
    script({ body: { success: false, errormessage: 'bad snomed' } });
    await expect(client().write('POST', '/chart/1/problems', { snomedcode: '0' })).rejects.toMatchObject({ code: 'validation_failed', details: { reason: 'vendor_rejected' } });
    script({ body: 'Invalid PROVIDERID input' });
    await expect(client().write('PUT', '/appointments/booked/1', { providerid: '9' })).rejects.toMatchObject({ code: 'validation_failed' });
    script({ body: { success: 'true', clinicaldocumentid: 5 } });
    await expect(client().write('POST', '/d')).resolves.toEqual({ success: 'true', clinicaldocumentid: 5 });
  });

  it('retries a 401 once with a fresh token, then gives up typed', async () => {
    script({ status: 401, raw: '\n\n{"error":"Developer Inactive"}' }, { body: { ok: 1 } });
    await expect(client().get('/ping')).resolves.toEqual({ ok: 1 });
    expect(athena.tokenRequests()).toHaveLength(2);
    const [stale, fresh] = athena.apiRequests().map((r) => r.headers.authorization);
    expect(fresh).not.toBe(stale);
    athena.seen.length = 0;
    script({ status: 401, body: { error: 'Developer Inactive' } });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'credentials_refused', vendorStatus: 401 } });
    expect(athena.apiRequests()).toHaveLength(2);
  });

  it("maps athena's refusals: practice not granted, unknown practice, not subscribed, throttled, taken slot, bad input", async () => {
    script({ status: 401, body: { error: 'Incorrect permissions.', detailedmessage: 'Bad auth.' } });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'forbidden', status: 403, details: { reason: 'practice_not_granted' } });
    expect(athena.apiRequests()).toHaveLength(1); // no token retry for a practice the client is not granted
    script({ status: 404, raw: '\n\n{"error":"Invalid practice.","detailedmessage":"The practice ID does not exist."}' });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'practice_unknown' } });
    script({ status: 404, body: { error: 'The patient ID is invalid.' } });
    await expect(client().get('/patients/9')).rejects.toMatchObject({ code: 'not_found' });
    script({ status: 403, body: { error: 'Changed messages require setup (subscription) that has not been done.' } });
    await expect(client().get('/appointments/changed')).rejects.toMatchObject({ code: 'conflict', details: { reason: 'subscription_pending' } });
    script({ status: 409, body: { error: 'That appointment time was already booked or not available for booking.' } });
    await expect(new AthenaScheduling(client()).book('77', { patientid: '1' })).rejects.toMatchObject({ code: 'conflict', details: { reason: 'slot_unavailable' } });
    script({ status: 400, body: { error: 'Additional fields are required.', missingfields: ['lastname', 'dob'], invalidfields: ['<b>'] } });
    await expect(client().get('/patients')).rejects.toMatchObject({ code: 'validation_failed', details: { vendorStatus: 400, missingfields: ['lastname', 'dob'] } });
    script({ status: 429, body: { error: 'Too many requests.' }, headers: { 'retry-after': '30' } });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'vendor_rate_limited', retryAfterSeconds: 30 } });
  });

  it('waits out one 403 throttle on a read; a second, or one on a write, is RateLimited with Retry-After', async () => {
    script({ status: 403, raw: '', headers: { 'retry-after': '0' } }, { body: { ok: 1 } });
    await expect(client().get('/ping')).resolves.toEqual({ ok: 1 });
    script({ status: 403, raw: '', headers: { 'retry-after': '0' } });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'vendor_throttled', vendorStatus: 403, retryAfterSeconds: 0 } });
    athena.seen.length = 0;
    script({ status: 403, raw: '' });
    await expect(client().write('PUT', '/appointments/1', { patientid: '1' })).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'vendor_throttled' } });
    expect(athena.apiRequests()).toHaveLength(1);
  });

  it('keeps the existing vendor codes for 5xx and timeouts; a write is sent once, never retried', async () => {
    script({ status: 503, body: { error: 'down' } });
    await expect(client().get('/ping')).rejects.toMatchObject({ code: 'dependency_unavailable', details: { vendorStatus: 503 } });
    expect(athena.apiRequests()).toHaveLength(3); // reads: the HTTP client's retries
    athena.seen.length = 0;
    script({ status: 502, body: {} });
    await expect(client().write('PUT', '/appointments/1', { patientid: '1' })).rejects.toMatchObject({ code: 'vendor_error', details: { vendorStatus: 502 } });
    expect(athena.apiRequests()).toHaveLength(1);
    athena.seen.length = 0;
    script({ body: [{}], delayMs: 400 });
    await expect(client(150).write('PUT', '/appointments/1', { patientid: '1' })).rejects.toMatchObject({ code: 'vendor_timeout' });
    expect(athena.apiRequests()).toHaveLength(1);
  });

  it("follows athena's relative next inside the practice, and refuses one to another practice or host", async () => {
    script({ body: { patients: [{ patientid: '1' }], totalcount: 3, next: '/v1/195900/patients?LASTNAME=Doe&offset=1&limit=1' } }, { body: { patients: [{ patientid: '2' }], totalcount: 3 } });
    const http = client();
    const first = await http.page('/patients', { lastname: 'Doe', limit: 1 });
    expect(first.next).toBe('/patients?LASTNAME=Doe&offset=1&limit=1');
    const second = await http.nextPage(first.next!);
    expect(second.next).toBeNull();
    expect(athena.apiRequests()[1]).toMatchObject({ path: '/athena/v1/195900/patients' });
    expect(athena.apiRequests()[1]!.query.get('offset')).toBe('1');
    for (const next of ['/v1/195901/patients?offset=1', 'https://evil.example/v1/195900/patients?offset=1', '/v1/195900/../195901/patients', '//evil.example/v1/195900/x']) {
      script({ body: { patients: [], next } });
      await expect(http.page('/patients', { lastname: 'Doe' })).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'foreign_link' } });
    }
    await expect(http.nextPage('//evil.example/x')).rejects.toMatchObject({ details: { reason: 'foreign_link' } });
    await expect(http.nextPage('/../../195901/patients')).rejects.toMatchObject({ details: { reason: 'foreign_link' } });
    // An absolute next on the connection's own origin, under its base path, is fine.
    script({ body: { patients: [], next: `${athena.url}/v1/195900/patients?offset=5` } });
    await expect(http.page('/patients', { lastname: 'Doe' })).resolves.toMatchObject({ next: '/patients?offset=5' });
  });

  it('sends writes form-encoded: nested values as JSON text, blanks never sent', async () => {
    script({ body: { success: true } });
    await client().write('PUT', '/chart/1/allergies', { departmentid: 1, allergies: [{ allergenid: '9' }], nkda: false, note: '', missing: undefined, gone: null });
    const [req] = athena.apiRequests();
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({ departmentid: '1', allergies: '[{"allergenid":"9"}]', nkda: 'false' });
    expect(formBody({ a: ' ', b: 'x' }).toString()).toBe('b=x');
  });

  it('waits for its turn in the practice budget instead of bursting', async () => {
    script({ body: { ok: 1 } });
    const ctx = athenaContext(athenaConnection(athena.url, { dialect: { requestsPerSecond: 10, tokensPerMinute: 100 } }), { budget: new InMemoryRequestBudget() });
    const http = AthenaHttp.for(ctx);
    const start = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => http.get('/ping')));
    expect(Date.now() - start).toBeGreaterThanOrEqual(380);
  });

  it('fails typed, with Retry-After, when the wait for the budget would be too long', async () => {
    script({ body: { ok: 1 } });
    const ctx = athenaContext(athenaConnection(athena.url, { dialect: { requestsPerSecond: 1, maxBudgetWaitMs: 500 } }));
    const http = AthenaHttp.for(ctx);
    const results = await Promise.allSettled([http.get('/ping'), http.get('/ping')]);
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'rate_limited', details: { reason: 'request_budget', retryAfterSeconds: 1 } } });
    expect(athena.apiRequests()).toHaveLength(1);
  });

  it('refuses a connection without a practice id', () => {
    expect(() => AthenaHttp.for(athenaContext(athenaConnection(athena.url, { environment: 'production', athenaPracticeId: null })))).toThrow(
      expect.objectContaining({ code: 'conflict', details: { reason: 'missing_practice_id' } }),
    );
  });
});
