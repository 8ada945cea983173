import { propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HTTP_CLIENT_SCOPE } from '@sb/net';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookPoster } from './webhook-http';

describe('WebhookPoster spans', () => {
  const exporter = new InMemorySpanExporter();
  const poster = new WebhookPoster();
  const traceparents: (string | undefined)[] = [];
  let server: Server;
  let base: string;
  const options = { policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true, timeoutMs: 300 };

  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    server = createServer((req, res) => {
      traceparents.push(req.headers.traceparent as string | undefined);
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/gone' ? 410 : 204).end();
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    poster.close();
    server.closeAllConnections();
    server.close();
    trace.disable();
    propagation.disable();
  });

  it('makes one client span per post, with its status or why it has none, and sends its trace along', async () => {
    expect((await poster.post(`${base}/hook?secret=x`, { 'webhook-id': 'msg_1' }, '{}', options)).statusCode).toBe(204);
    expect((await poster.post(`${base}/gone`, {}, '{}', options)).statusCode).toBe(410);
    expect((await poster.post(`${base}/hang`, {}, '{}', options)).error).toBe('timeout');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.instrumentationScope.name, s.name, s.attributes['url.full'], s.attributes['http.response.status_code'], s.attributes['error.type'], s.status.code])).toEqual([
      [HTTP_CLIENT_SCOPE, 'POST', `${base}/hook`, 204, undefined, SpanStatusCode.UNSET],
      [HTTP_CLIENT_SCOPE, 'POST', `${base}/gone`, 410, undefined, SpanStatusCode.ERROR],
      [HTTP_CLIENT_SCOPE, 'POST', `${base}/hang`, undefined, 'timeout', SpanStatusCode.ERROR],
    ]);
    expect(traceparents).toEqual(spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
  });
});
