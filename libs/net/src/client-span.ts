import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/** The instrumentation scope of the client span each outgoing call makes. */
export const HTTP_CLIENT_SCOPE = '@sb/net/http-client';

/**
 * The client span of an outgoing call (`guardedFetch`, `guardedRequest`, webhook posts), made by the caller rather
 * than by OpenTelemetry's http instrumentation, which patches every request and parses its URL again: method, the
 * URL without its query string, host and port. The trace goes on to the peer in a `traceparent` added to `headers`.
 */
export function startClientSpan(target: URL, method: string, headers: Record<string, string>): Span {
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const span = trace.getTracer(HTTP_CLIENT_SCOPE).startSpan(method, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'url.full': `${target.protocol}//${target.host}${target.pathname}`,
      'server.address': target.hostname,
      'server.port': port,
    },
  });
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return span;
}

/** Ends a client span: the answer's status (4xx and 5xx are errors for a client), or the code of why there was none. */
export function endClientSpan(span: Span, status: number | undefined, failure?: string): void {
  if (status !== undefined) span.setAttribute('http.response.status_code', status);
  if (failure !== undefined) span.setAttribute('error.type', failure);
  if (failure !== undefined || (status !== undefined && status >= 400)) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
