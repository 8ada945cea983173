import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { retryAfterMs, VendorHttpClient } from './vendor-http-client';

describe('VendorHttpClient against a real local server', () => {
  let server: Server;
  let base: string;
  let script: number[] = [];
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/hang') return; // never answers
      if (req.url === '/fhir/slow') return void setTimeout(() => res.writeHead(200).end('{}'), 50);
      if (req.url === '/fhir/bom') return void res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Zoë"}')]));
      const status = script.shift() ?? 200;
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end(JSON.stringify({ status }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    script = [];
    hits = 0;
  });

  const client = (timeoutMs = 2000) => new VendorHttpClient({ baseUrl: base, policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true, timeoutMs });

  it('retries an idempotent read through transient failures', async () => {
    script = [503, 429];
    const c = client();
    const res = await c.request({ method: 'GET', url: `${base}/Patient/1`, idempotent: true });
    expect(res.status).toBe(200);
    expect(hits).toBe(3);
    c.close();
  });

  it('reads the body as UTF-8 text without a leading byte-order mark, and its headers by name', async () => {
    const c = client();
    const res = await c.request({ method: 'GET', url: `${base}/bom`, idempotent: true });
    expect(JSON.parse(res.text)).toEqual({ name: 'Zoë' });
    expect(res.headers.get('Content-Type')).toBe('application/fhir+json');
    c.close();
  });

  it('never retries a write', async () => {
    script = [503];
    const c = client();
    const res = await c.request({ method: 'POST', url: `${base}/DocumentReference`, body: '{}', idempotent: false });
    expect(res.status).toBe(503);
    expect(hits).toBe(1);
    c.close();
  });

  it('returns the last failure when retries run out', async () => {
    script = [503, 503, 503];
    const c = client();
    expect((await c.request({ method: 'GET', url: `${base}/x`, idempotent: true })).status).toBe(503);
    expect(hits).toBe(3);
    c.close();
  });

  it('refuses a link to another origin without sending anything', async () => {
    const c = client();
    await expect(c.request({ method: 'GET', url: 'http://127.0.0.2:1/fhir/Patient?page=2', idempotent: true })).rejects.toMatchObject({
      code: 'vendor_error',
      details: { reason: 'foreign_link' },
    });
    expect(hits).toBe(0);
    c.close();
  });

  it('opens the circuit after repeated failures and then fails fast', async () => {
    script = Array(20).fill(500);
    const c = client();
    for (let i = 0; i < 5; i++) await c.request({ method: 'GET', url: `${base}/x`, idempotent: false });
    const before = hits;
    await expect(c.request({ method: 'GET', url: `${base}/x`, idempotent: false })).rejects.toMatchObject({ details: { reason: 'circuit_open' } });
    expect(hits).toBe(before);
    c.close();
  });

  it('opens the circuit while calls hang, before they time out, and closes it on the next answer', async () => {
    const c = new VendorHttpClient({ baseUrl: base, policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true, timeoutMs: 3_000, slowCallMs: 100 });
    const hang = `${base.replace('/fhir', '')}/hang`;
    const hanging = Array.from({ length: 5 }, () => c.request({ method: 'POST', url: hang, idempotent: false }).catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 300));
    const sent = hits;
    await expect(c.request({ method: 'GET', url: `${base}/x`, idempotent: false })).rejects.toMatchObject({ details: { reason: 'circuit_open' } });
    expect(hits).toBe(sent);
    expect(c.breaker.state).toBe('open');
    // The hung calls still end with their own timeout, counted once each.
    for (const outcome of await Promise.all(hanging)) expect(outcome).toMatchObject({ code: 'vendor_timeout' });
    c.close();
  }, 10_000);

  it('counts a slow call that answers as a success: a slow vendor is not paused', async () => {
    // Each answer takes 50 ms, past a 10 ms slow-call mark: counted as a failure, then as the success it is.
    const c = new VendorHttpClient({ baseUrl: base, policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true, timeoutMs: 3_000, slowCallMs: 10 });
    for (let i = 0; i < 6; i++) expect((await c.request({ method: 'GET', url: `${base}/slow`, idempotent: false })).status).toBe(200);
    expect(c.breaker.state).toBe('closed');
    c.close();
  });

  it('maps a vendor that does not answer to vendor_timeout', async () => {
    const c = client(200);
    await expect(c.request({ method: 'POST', url: `${base.replace('/fhir', '')}/hang`, idempotent: false })).rejects.toMatchObject({ code: 'vendor_timeout' });
    c.close();
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
