import type { Response } from 'express';
import type { AccessTokens } from '../auth/access-tokens';
import { issue, type Issue } from '../fhir/issues';
import type { Reply } from '../fhir/reply';
import { abandoned } from '../fhir/fhir-request';
import type { SandboxTimers } from '../sandbox-timers';
import { MAX_FAULT_DELAY_MS, type Fault } from './fault-queue';

/** Host that foreign-next-link faults point at (example.net is reserved, RFC 2606). */
export const FOREIGN_ORIGIN = 'https://fhir.foreign-ehr.example.net';
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const DEFAULT_SERVER_ERROR_STATUS = 503;

export interface FaultContext {
  res: Response;
  timers: SandboxTimers;
  tokens: AccessTokens;
  authorization: string | undefined;
  error: (status: number, issues: Issue[], headers?: Record<string, string>) => Reply;
  expiredToken: () => Reply;
}

/**
 * The part of a fault that acts before the request is handled: an immediate
 * error reply, or a hang. `undefined` means "handle the request" (delivery
 * faults — slow drip, malformed JSON, foreign next link — act later);
 * `'abandoned'` means the client left during a hang.
 */
export async function faultBeforeHandling(fault: Fault, ctx: FaultContext): Promise<Reply | 'abandoned' | undefined> {
  switch (fault.kind) {
    case 'rate-limit':
      return ctx.error(429, [issue('throttled', 'Too many requests; retry after the interval in Retry-After.')], {
        'retry-after': String(fault.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS),
      });
    case 'server-error': {
      const status = fault.status ?? DEFAULT_SERVER_ERROR_STATUS;
      return ctx.error(status, [issue('server-error', 'The server could not complete the request.')], fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
    }
    case 'token-expiry':
      // As if the token's lifetime ran out: it stays dead, the client must get a new one.
      ctx.tokens.expire(ctx.authorization);
      return ctx.expiredToken();
    case 'hang': {
      const finished = await ctx.timers.wait(fault.delayMs ?? MAX_FAULT_DELAY_MS, abandoned(ctx.res));
      return finished ? undefined : 'abandoned';
    }
    case 'slow-drip':
    case 'malformed-json':
    case 'foreign-next-link':
      return undefined;
    case 'throttle-403':
    case 'soft-failure':
    case 'subscription-not-ready':
      // athena-only kinds (refused for other vendors at injection): played by athena/athena-faults.ts.
      return undefined;
    case 'bulk-status-error':
    case 'bulk-status-rate-limit':
    case 'bulk-job-failed':
    case 'bulk-job-error-file':
    case 'bulk-job-slow':
      // Taken only by $export requests, which play them (bulk/bulk-faults.ts).
      return undefined;
  }
}
