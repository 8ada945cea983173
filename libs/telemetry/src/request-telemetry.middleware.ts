import { context as otelContext, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { runWithRequestContext, type RequestContext } from '@sb/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import { acceptOrCreateRequestId, REQUEST_ID_HEADER } from './request-id';
import { requestScheme } from './request-scheme';
import { scrubSecrets } from './secret-scrubber';
import { stripQuery } from './url-sanitizer';

const MAX_PATH_CHARS = 2048;

/** The instrumentation scope of the server spans this middleware makes. */
const HTTP_SERVER_SCOPE = '@sb/telemetry/http-server';

/** The matched route's template under its mount path, or the mount path of the app that answered (GraphQL, docs, console files). */
const routeOf = (req: Request): string | undefined => {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  // Express leaves baseUrl unset once an error handler has run.
  const mount = (req.baseUrl as string | undefined) ?? '';
  if (typeof path === 'string') return `${mount}${path}`;
  return mount === '' ? undefined : mount;
};

/** `host[:port]` of the Host header, split; an IPv6 literal keeps its brackets off. */
function serverAddressOf(host: string | undefined): Attributes {
  if (!host) return {};
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(host);
  const [, address, port] = match ?? [];
  if (address === undefined) return {};
  return port === undefined ? { 'server.address': address } : { 'server.address': address, 'server.port': Number(port) };
}

/**
 * The api's request telemetry, once per request: gives the request an id (echoed in
 * `x-request-id`), opens its server span (joining the caller's W3C trace when a valid
 * `traceparent` came with it), runs the rest of the request inside both contexts, and when
 * the response ends names the span by its route, records the status and logs one line.
 *
 * This replaces OpenTelemetry's http and express instrumentations on the api's hot path:
 * they patch every server and emitter, parse each URL and bind listeners per request, which
 * cost about a quarter of a proxied call's CPU. The span carries their semantic-convention attributes
 * for method, path, scheme, host, port, route and status (not the user agent or protocol version). The path is recorded without its query string (FHIR searches
 * carry names and birth dates there), and never a body or a header.
 */
export function requestTelemetry(logger: Logger): RequestHandler {
  const tracer = trace.getTracer(HTTP_SERVER_SCOPE);
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestContext: RequestContext = { requestId: acceptOrCreateRequestId(req.headers[REQUEST_ID_HEADER]) };
    res.setHeader(REQUEST_ID_HEADER, requestContext.requestId);
    const startedAt = process.hrtime.bigint();
    const method = req.method;
    const path = stripQuery(req.originalUrl || req.url);
    const parent = req.headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': path, 'url.scheme': requestScheme(req), ...serverAddressOf(req.headers.host) },
      },
      parent,
    );
    // 'finish' fires outside the request's async context: the line is logged under this one.
    const traceContext = trace.setSpan(parent, span);
    let ended = false;

    const end = (): void => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      const status = res.statusCode;
      const aborted = !res.writableFinished;
      if (route !== undefined) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      // A request abandoned before its headers went out has no status (Express's default 200 was never sent).
      if (res.headersSent) span.setAttribute('http.response.status_code', status);
      if (status >= 500 || aborted) span.setStatus({ code: SpanStatusCode.ERROR });
      if (aborted) span.setAttribute('error.type', 'aborted');
      span.end();
      const fields = {
        method,
        path: scrubSecrets(path).slice(0, MAX_PATH_CHARS),
        route,
        status,
        durationMs: Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100,
        requestId: requestContext.requestId,
        ...(aborted ? { aborted: true } : {}),
      };
      otelContext.with(traceContext, () =>
        // The context object is shared: a tenant id set by auth later shows up here.
        runWithRequestContext(requestContext, () => {
          if (status >= 500) logger.error(fields, 'request completed');
          else logger.info(fields, 'request completed');
        }),
      );
    };
    res.once('finish', end);
    res.once('close', end);

    otelContext.with(traceContext, () => runWithRequestContext(requestContext, next));
  };
}
