import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_CLIENT_SCOPE } from './client-span';
import { guardedDownload } from './guarded-download';
import { guardedRequest } from './guarded-fetch';

describe('the client span of an outgoing call', () => {
  const exporter = new InMemorySpanExporter();
  const received: (string | undefined)[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    server = createServer((req, res) => {
      received.push(req.headers.traceparent as string | undefined);
      if (req.url === '/file') return void res.writeHead(200, { 'content-type': 'application/fhir+ndjson' }).end('{"resourceType":"Patient"}\n'.repeat(100));
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200).end('{}');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
    trace.disable();
    propagation.disable();
  });

  beforeEach(() => {
    exporter.reset();
    received.length = 0;
  });

  const call = (path: string) => guardedRequest(`${base}${path}`, {}, { allowPrivate: false, allowLoopback: true }, { allowHttp: true });

  it('records method, URL without its query, host, port and status, and carries its trace to the peer', async () => {
    await call('/fhir/Patient/p1?family=Smith');
    const [span] = exporter.getFinishedSpans();
    expect(span?.instrumentationScope.name).toBe(HTTP_CLIENT_SCOPE);
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.full': `${base}/fhir/Patient/p1`,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'http.response.status_code': 200,
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    const context = span?.spanContext();
    expect(received).toEqual([`00-${context?.traceId}-${context?.spanId}-01`]);
  });

  it('lasts a download until its body is read, and records a body cut off by its limit', async () => {
    const policy = { allowPrivate: false, allowLoopback: true };
    const whole = await guardedDownload(`${base}/file`, {}, policy, { allowHttp: true, maxBodyBytes: 1_000_000 });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    for await (const chunk of whole.body) expect(chunk).toBeInstanceOf(Buffer);
    const cut = await guardedDownload(`${base}/file`, {}, policy, { allowHttp: true, maxBodyBytes: 100 });
    await expect((async () => { for await (const chunk of cut.body) expect(chunk).toBeInstanceOf(Buffer); })()).rejects.toMatchObject({ reason: 'too_large' });
    await new Promise((resolve) => setImmediate(resolve));
    const [read, limited] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    expect(read?.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.full': `${base}/file`, 'http.response.status_code': 200 });
    expect(read?.status.code).toBe(SpanStatusCode.UNSET);
    expect(limited?.attributes['error.type']).toBe('too_large');
    expect(limited?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('marks a 4xx answer and a call that got none as errors, each span ended once', async () => {
    await call('/missing');
    await expect(guardedRequest('http://127.0.0.1:1/closed', {}, { allowPrivate: false, allowLoopback: true }, { allowHttp: true })).rejects.toMatchObject({
      reason: 'connect_failed',
    });
    const [answered, refused] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    expect(answered?.attributes['http.response.status_code']).toBe(404);
    expect(answered?.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused?.attributes['error.type']).toBe('connect_failed');
    expect(refused?.attributes['http.response.status_code']).toBeUndefined();
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
