import { isOutboundError } from '@sb/net';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { VendorHttpClient } from './vendor-http-client';

/** A vendor whose file URL redirects to "pre-signed storage" that refuses a second credential, as Oracle's does. */
describe('VendorHttpClient.download against a real local server', () => {
  let server: Server;
  let origin: string;
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      if (req.url === '/fhir/file') return res.writeHead(307, { location: '/store/file?sig=abc' }).end();
      if (req.url === '/fhir/loop') return res.writeHead(302, { location: '/fhir/loop' }).end();
      if (req.url === '/fhir/elsewhere') return res.writeHead(307, { location: 'http://10.0.0.1/store/file' }).end();
      if (req.url?.startsWith('/store/')) {
        if (req.headers.authorization) return res.writeHead(400).end('<Error><Code>InvalidArgument</Code></Error>');
        return res.writeHead(200, { 'content-type': 'application/fhir+ndjson' }).end('{"resourceType":"Patient"}\n');
      }
      if (req.url === '/fhir/big') return res.writeHead(200).end('x'.repeat(4096));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => (seen.length = 0));

  const client = () => new VendorHttpClient({ baseUrl: `${origin}/fhir`, policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true });

  it('follows a redirect to storage without the Authorization header', async () => {
    const res = await client().download(`${origin}/fhir/file`, { authorization: 'Bearer vendor-token', accept: 'application/fhir+ndjson' }, 1024);
    expect(res.status).toBe(200);
    expect(await text(res.body)).toBe('{"resourceType":"Patient"}\n');
    expect(seen.map((s) => [s.path, s.headers.authorization])).toEqual([
      ['/fhir/file', 'Bearer vendor-token'],
      ['/store/file?sig=abc', undefined],
    ]);
    expect(seen[1]?.headers.accept).toBe('application/fhir+ndjson');
  });

  it('refuses a first URL off the connection’s origin, a redirect loop, and a redirect to a refused address', async () => {
    await expect(client().download('http://example.com/fhir/file', {}, 1024)).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'foreign_link' } });
    await expect(client().download(`${origin}/fhir/loop`, {}, 1024)).rejects.toMatchObject({ details: { reason: 'too_many_redirects' } });
    await expect(client().download(`${origin}/fhir/elsewhere`, {}, 1024)).rejects.toMatchObject({ details: { reason: 'target_not_allowed' } });
  });

  it('fails the stream when the body outgrows the limit', async () => {
    const res = await client().download(`${origin}/fhir/big`, {}, 1000);
    const error = await text(res.body).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isOutboundError(error) && error.reason).toBe('too_large');
  });
});
