import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { currentRequestContext } from '@sb/core';
import express from 'express';
import { createLogger } from './logger';
import { requestTelemetry } from './request-telemetry.middleware';
import { captureLogLines } from './test-log-capture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestTelemetry middleware', () => {
  const capture = captureLogLines();
  const logger = createLogger({ serviceName: 'api', level: 'info', destination: capture.destination });
  const spans = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    provider.register({ propagator: new W3CTraceContextPropagator() });
    const app = express();
    app.use(requestTelemetry(logger));
    app.get('/fhir/Patient/:id', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      // The context survives the await: the handler sees the request's id.
      const context = currentRequestContext();
      if (context) context.tenantId = 'tenant-7';
      res.json({ seenRequestId: context?.requestId });
    });
    // A mounted app that answers itself (as Apollo does at /graphql), and a route in a mounted router.
    app.use('/graphql', (_req, res) => {
      res.json({ data: null });
    });
    const router = express.Router();
    router.get('/items/:id', (_req, res) => {
      res.json({});
    });
    app.use('/v1', router);
    app.post('/boom', () => {
      throw new Error('boom');
    });
    server = createServer(app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
    await provider.shutdown();
    trace.disable();
    propagation.disable();
  });

  beforeEach(() => {
    capture.clear();
    spans.reset();
  });

  const serverSpansOf = (requestId: string | null) =>
    spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER && capture.lines().some((l) => l.requestId === requestId && l.trace_id === s.spanContext().traceId));

  it('accepts a well-formed x-request-id, echoes it and runs the request in its context', async () => {
    const res = await fetch(`${baseUrl}/fhir/Patient/p-1?name=Smith&birthdate=1970-01-01`, {
      headers: { 'x-request-id': 'caller-id_123', authorization: 'Bearer secret-token-value', cookie: 'sid=cookie-value' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('caller-id_123');
    expect(await res.json()).toEqual({ seenRequestId: 'caller-id_123' });

    const line = await capture.waitForLine((l) => l.msg === 'request completed');
    expect(line).toMatchObject({
      msg: 'request completed',
      method: 'GET',
      path: '/fhir/Patient/p-1',
      route: '/fhir/Patient/:id',
      status: 200,
      requestId: 'caller-id_123',
      tenantId: 'tenant-7',
    });
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs as number).toBeGreaterThanOrEqual(4);
    const raw = capture.raw();
    for (const leaked of ['Smith', '1970-01-01', 'secret-token-value', 'cookie-value', 'authorization', 'name=']) {
      expect(raw).not.toContain(leaked);
    }
  });

  it.each([
    ['a malformed id', 'bad id with spaces'],
    ['an over-long id', 'a'.repeat(65)],
    ['an id carrying text', 'Smith%2C%20Jane'],
  ])('replaces %s with a UUID', async (_label, incoming) => {
    const res = await fetch(`${baseUrl}/fhir/Patient/p-2`, { headers: { 'x-request-id': incoming } });
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    expect(await res.json()).toEqual({ seenRequestId: id });
    await capture.waitForLine((l) => l.requestId === id);
    expect(capture.raw()).not.toContain(incoming);
  });

  it('names the route with its mount path, and a mounted app by where it is mounted', async () => {
    const mounted = await fetch(`${baseUrl}/graphql?query=Smith`, { method: 'POST' });
    const routed = await fetch(`${baseUrl}/v1/items/42`);
    const unrouted = await fetch(`${baseUrl}/nowhere`);
    const routeOfResponse = async (res: Response) => {
      const id = res.headers.get('x-request-id');
      return (await capture.waitForLine((l) => l.requestId === id)).route;
    };
    expect(await routeOfResponse(mounted)).toBe('/graphql');
    expect(await routeOfResponse(routed)).toBe('/v1/items/:id');
    expect(await routeOfResponse(unrouted)).toBeUndefined();
  });

  it('opens one server span per request, joining the caller\'s trace, named by route, its trace id on the log line', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await fetch(`${baseUrl}/fhir/Patient/p-3?family=Smith`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    await res.json();
    const line = await capture.waitForLine((l) => l.requestId === res.headers.get('x-request-id'));
    expect(line.trace_id).toBe(traceId);
    const [span, ...others] = serverSpansOf(res.headers.get('x-request-id'));
    expect(others).toEqual([]);
    expect(span?.name).toBe('GET /fhir/Patient/:id');
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span?.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/fhir/Patient/p-3', 'http.route': '/fhir/Patient/:id', 'http.response.status_code': 200 });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts a new trace when the caller\'s traceparent is malformed, and marks a 5xx answer as an error', async () => {
    const res = await fetch(`${baseUrl}/boom`, { method: 'POST', headers: { traceparent: '00-not-a-trace-01' } });
    expect(res.status).toBe(500);
    await capture.waitForLine((l) => l.requestId === res.headers.get('x-request-id'));
    const [span, ...others] = serverSpansOf(res.headers.get('x-request-id'));
    expect(others).toEqual([]);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.name).toBe('POST /boom');
    expect(span?.attributes['http.response.status_code']).toBe(500);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('generates a UUID when none is sent, and logs failures at error level', async () => {
    const res = await fetch(`${baseUrl}/boom?ssn=123-45-6789`, { method: 'POST', body: '{"name":"Smith"}' });
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(UUID);
    const line = await capture.waitForLine((l) => l.requestId === id);
    expect(line).toMatchObject({ level: 'error', method: 'POST', path: '/boom', status: 500 });
    expect(capture.raw()).not.toContain('123-45-6789');
  });
});
