import type { Response } from 'express';
import type { AccessTokens } from '../auth/access-tokens';
import { abandoned } from '../fhir/fhir-request';
import type { Reply } from '../fhir/reply';
import { MAX_FAULT_DELAY_MS, type Fault, type RequestKind } from '../faults/fault-queue';
import type { SandboxTimers } from '../sandbox-timers';
import { athenaError, ATHENA_ERRORS, softFailure } from './athena-reply';

const DEFAULT_SERVER_ERROR_STATUS = 503;

/** Paged lists: where a foreign next link can ride. */
const LISTS = [
  /^\/(patients|departments|providers|appointmenttypes|patientappointmentreasons)\/?$/,
  /^\/appointments\/(open|booked|booked\/multipledepartment)\/?$/,
  /^\/chart\/\d+\/(encounters|problems|labresults|analytes)\/?$/,
  /^\/patients\/\d+\/documents\/clinicaldocument\/?$/,
];
const CHANGE_FEEDS = /^\/(appointments|patients)\/changed\/?$/;

/** The kinds of request a fault may wait for, from the method and the path after /v1/{practiceid}. */
export function athenaRequestKinds(method: string, path: string): RequestKind[] {
  if (method !== 'GET' && method !== 'HEAD') return ['write'];
  if (CHANGE_FEEDS.test(path)) return ['change-feed', 'search'];
  return LISTS.some((re) => re.test(path)) ? ['search'] : ['other'];
}

export interface AthenaFaultContext {
  res: Response;
  timers: SandboxTimers;
  tokens: AccessTokens;
  authorization: string | undefined;
}

const retryAfter = (fault: Fault): Record<string, string> => (fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {});

/**
 * The part of a fault that acts before an athena request is handled, in
 * athena's shapes: JSON `{"error":…}` bodies (none for the 403 throttle).
 * athena sends no Retry-After of its own, so one is set only when the fault
 * names retryAfterSeconds. `undefined`: handle the request (delivery faults
 * act on the response); `'abandoned'`: the client left during a hang.
 */
export async function athenaFaultBeforeHandling(fault: Fault, ctx: AthenaFaultContext): Promise<Reply | 'abandoned' | undefined> {
  switch (fault.kind) {
    case 'rate-limit':
      return athenaError(429, 'Too many requests.', { detailedmessage: 'The request rate limit was exceeded.' }, retryAfter(fault));
    case 'server-error':
      return athenaError(fault.status ?? DEFAULT_SERVER_ERROR_STATUS, 'The server could not complete the request.', {}, retryAfter(fault));
    case 'throttle-403':
      // athena's gateway throttles with a bare 403: no JSON, nothing to tell it from a refusal but the missing body.
      return { status: 403, headers: retryAfter(fault), body: '' };
    case 'soft-failure':
      return softFailure('An unexpected error occurred. Please try again.');
    case 'subscription-not-ready':
      return ATHENA_ERRORS.notSubscribed();
    case 'token-expiry':
      ctx.tokens.expire(ctx.authorization);
      return ATHENA_ERRORS.unauthorized('The access token has expired.');
    case 'hang': {
      const finished = await ctx.timers.wait(fault.delayMs ?? MAX_FAULT_DELAY_MS, abandoned(ctx.res));
      return finished ? undefined : 'abandoned';
    }
    case 'slow-drip':
    case 'malformed-json':
    case 'foreign-next-link':
      return undefined;
    case 'bulk-status-error':
    case 'bulk-status-rate-limit':
    case 'bulk-job-failed':
    case 'bulk-job-error-file':
    case 'bulk-job-slow':
      // Never taken by the /v1 API (they wait for a $export request on athena's FHIR base).
      return undefined;
  }
}
