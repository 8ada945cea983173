import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ErrorCode } from '@sb/core';
import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { toOperationOutcome } from '@sb/fhir';
import { toProblem, toSbError } from './problem';

/**
 * Renders every error: RFC 7807 problem+json on REST routes, OAuth's
 * `{error, error_description}` on the token endpoint, and GraphQL errors with
 * `extensions.code`. 500s carry an `errorId` the logs can find.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const { error, errorId } = toSbError(exception);
    if (errorId) this.logger.error({ err: exception, errorId }, 'unhandled error');

    if (host.getType<string>() === 'graphql') {
      return new GraphQLError(error.message, {
        extensions: { code: error.code, ...(error.issues ? { issues: error.issues } : {}), ...(error.details ?? {}), ...(errorId ? { errorId } : {}) },
      });
    }
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    if (res.headersSent) return undefined;
    if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    const retryAfter = error.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    if (req.path.startsWith('/fhir/')) {
      res.status(error.status).type('application/fhir+json; charset=utf-8').send(JSON.stringify(toOperationOutcome(error, errorId)));
      return undefined;
    }
    if (req.path === '/oauth/token') {
      res.status(error.status).setHeader('Cache-Control', 'no-store').json({
        error: error.code === ErrorCode.InvalidClient ? 'invalid_client' : oauthErrorCode(error.code),
        error_description: error.message,
      });
      return undefined;
    }
    res.status(error.status).type('application/problem+json').send(JSON.stringify(toProblem(error, errorId)));
    return undefined;
  }
}

function oauthErrorCode(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.InvalidGrant:
    case ErrorCode.InvalidScope:
    case ErrorCode.UnsupportedGrantType:
    case ErrorCode.InvalidClient:
      return code;
    case ErrorCode.Internal:
    case ErrorCode.DependencyUnavailable:
      return 'server_error';
    default:
      return 'invalid_request';
  }
}
