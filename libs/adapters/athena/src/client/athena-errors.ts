import { retryAfterMs, type VendorResponse } from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import { tryParseAthenaJson } from './athena-json';

/**
 * athena's answers as typed errors (/work/shared/notes/athena.md §8). Messages are
 * static; athena's own text is matched to tell cases apart but never copied out (it
 * may echo submitted values). Field names from `missingfields`/`invalidfields` are
 * kept: they are names, not values.
 */

/** The `error` sentence of an athena error body (`{"error":"…","detailedmessage":"…"}`), lowercased, or ''. */
export function athenaErrorText(text: string): string {
  const body = tryParseAthenaJson(text);
  if (typeof body === 'string') return body.toLowerCase();
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const error = (body as Record<string, unknown>).error;
    if (typeof error === 'string') return error.toLowerCase();
  }
  return '';
}

export const isIncorrectPermissions = (res: VendorResponse): boolean => res.status === 401 && athenaErrorText(res.text).includes('incorrect permissions');
export const isSubscriptionPending = (res: VendorResponse): boolean => res.status === 403 && athenaErrorText(res.text).includes('changed messages require setup');

/** Seconds from a Retry-After header, when athena sent one. */
export function retryAfterSecondsOf(res: VendorResponse): number | undefined {
  const ms = retryAfterMs(res.headers.get('retry-after'));
  return ms === null ? undefined : Math.max(0, Math.ceil(ms / 1000));
}

const FIELD_NAME = /^[A-Za-z0-9_.]{1,64}$/;

/** `missingfields` / `invalidfields` of a 400, as field names only. */
function fieldLists(text: string): Record<string, string[]> {
  const body = tryParseAthenaJson(text);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Record<string, string[]> = {};
  for (const key of ['missingfields', 'invalidfields'] as const) {
    const value = (body as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      const names = value.filter((v): v is string => typeof v === 'string' && FIELD_NAME.test(v)).slice(0, 20);
      if (names.length > 0) out[key] = names;
    }
  }
  return out;
}

/** A non-2xx answer from athena's API (not the token endpoint) → our error. */
export function athenaError(res: VendorResponse): SbError {
  const retryAfterSeconds = retryAfterSecondsOf(res);
  const vendorStatus = res.status;
  const text = athenaErrorText(res.text);
  switch (true) {
    case res.status === 400 || res.status === 422:
      return new SbError(ErrorCode.ValidationFailed, 'The EHR rejected the request', { details: { reason: 'vendor_rejected', vendorStatus, ...fieldLists(res.text) } });
    case isIncorrectPermissions(res):
      return new SbError(ErrorCode.Forbidden, 'The connection is not granted access to this athena practice', { details: { reason: 'practice_not_granted', vendorStatus } });
    case res.status === 401:
      return new SbError(ErrorCode.VendorError, "The EHR refused the connection's credentials", { details: { reason: 'credentials_refused', vendorStatus } });
    case isSubscriptionPending(res):
      return subscriptionPending();
    case res.status === 403:
      // athena signals per-second throttling with 403 (its limits are unpublished); the budget keeps this rare.
      return new SbError(ErrorCode.RateLimited, 'The EHR is throttling this connection; retry later', {
        details: { reason: 'vendor_throttled', vendorStatus, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
      });
    case res.status === 404 && text.includes('invalid practice'):
      return new SbError(ErrorCode.VendorError, 'athena does not know the connection’s practice', { details: { reason: 'practice_unknown', vendorStatus } });
    case res.status === 404 || res.status === 410:
      return new SbError(ErrorCode.NotFound, 'Resource not found', { details: { vendorStatus } });
    case res.status === 409:
      return new SbError(ErrorCode.Conflict, 'The EHR refused the change: the slot or record is no longer available', { details: { reason: 'vendor_conflict', vendorStatus } });
    case res.status === 429:
      return new SbError(ErrorCode.RateLimited, 'The EHR is rate limiting this connection', {
        details: { reason: 'vendor_rate_limited', vendorStatus, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
      });
    case res.status === 503:
      return new SbError(ErrorCode.DependencyUnavailable, 'The EHR is unavailable', { details: { vendorStatus, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } });
    case res.status === 504:
      return new SbError(ErrorCode.VendorTimeout, 'The EHR timed out', { details: { vendorStatus } });
    default:
      return new SbError(ErrorCode.VendorError, 'The EHR answered with an error', { details: { vendorStatus } });
  }
}

/** athena's change feeds before their subscription is live. */
export const subscriptionPending = (): SbError =>
  new SbError(ErrorCode.Conflict, 'The athena change subscription is not active yet', { details: { reason: 'subscription_pending', vendorStatus: 403 } });

/**
 * A 200 whose body says it failed (`{"success":"false","errormessage":…}` or a bare
 * string). A write's failure is athena refusing what was sent; a read's is athena failing.
 */
export function softFailure(write: boolean): SbError {
  return write
    ? new SbError(ErrorCode.ValidationFailed, 'The EHR rejected the request', { details: { reason: 'vendor_rejected', vendorStatus: 200 } })
    : new SbError(ErrorCode.VendorError, 'The EHR reported a failure', { details: { reason: 'vendor_failure', vendorStatus: 200 } });
}
