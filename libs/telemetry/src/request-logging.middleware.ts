import { context as otelContext } from '@opentelemetry/api';
import { runWithRequestContext, type RequestContext } from '@sb/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import { acceptOrCreateRequestId, REQUEST_ID_HEADER } from './request-id';
import { scrubSecrets } from './secret-scrubber';
import { stripQuery } from './url-sanitizer';

const MAX_PATH_CHARS = 2048;

const routeOf = (req: Request): string | undefined => {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : undefined;
};

/**
 * Gives each request an id (echoed in `x-request-id`), runs the rest of the
 * request inside that request context, and logs one line when it ends. The
 * line holds the path without its query string (FHIR searches carry names and
 * birth dates there) and never a body or a header.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestContext: RequestContext = { requestId: acceptOrCreateRequestId(req.headers[REQUEST_ID_HEADER]) };
    res.setHeader(REQUEST_ID_HEADER, requestContext.requestId);
    const startedAt = process.hrtime.bigint();
    // 'finish' fires outside the request's async context; keep the trace to log under.
    const traceContext = otelContext.active();
    let logged = false;

    const logCompletion = (): void => {
      if (logged) return;
      logged = true;
      const durationMs = Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100;
      const fields = {
        method: req.method,
        path: scrubSecrets(stripQuery(req.originalUrl || req.url)).slice(0, MAX_PATH_CHARS),
        route: routeOf(req),
        status: res.statusCode,
        durationMs,
        requestId: requestContext.requestId,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      otelContext.with(traceContext, () =>
        // The context object is shared: a tenant id set by auth later shows up here.
        runWithRequestContext(requestContext, () => {
          if (res.statusCode >= 500) logger.error(fields, 'request completed');
          else logger.info(fields, 'request completed');
        }),
      );
    };
    res.once('finish', logCompletion);
    res.once('close', logCompletion);

    runWithRequestContext(requestContext, () => next());
  };
}
