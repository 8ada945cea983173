import type { OperationOutcome } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { retryAfterMs, type VendorResponse } from '@sb/adapters/contracts';

/** Issue severities and codes only: vendor diagnostics can echo request data (PHI), so they are dropped. */
function vendorIssues(text: string): { severity?: string; code?: string }[] {
  try {
    const body = JSON.parse(text) as Partial<OperationOutcome>;
    if (body.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue)) return [];
    return body.issue.slice(0, 10).map((i) => ({ severity: i.severity, code: i.code }));
  } catch {
    return [];
  }
}

/**
 * Maps a vendor's non-success answer to our typed error: the vendor status, its
 * issue codes and any Retry-After travel in details; the message stays static.
 */
export function vendorFailure(res: VendorResponse): SbError {
  const retryAfter = retryAfterMs(res.headers.get('retry-after'));
  const details = {
    vendorStatus: res.status,
    vendorIssues: vendorIssues(res.text),
    ...(retryAfter !== null ? { retryAfterSeconds: Math.ceil(retryAfter / 1000) } : {}),
  };
  switch (true) {
    case res.status === 404 || res.status === 410:
      return new SbError(ErrorCode.NotFound, 'Resource not found', { details });
    case res.status === 400 || res.status === 422:
      return new SbError(ErrorCode.ValidationFailed, 'The EHR rejected the request', { details });
    case res.status === 429:
      return new SbError(ErrorCode.RateLimited, 'The EHR is rate limiting this connection', { details });
    case res.status === 401 || res.status === 403:
      return new SbError(ErrorCode.VendorError, "The EHR refused the connection's credentials", { details });
    case res.status === 503:
      return new SbError(ErrorCode.DependencyUnavailable, 'The EHR is unavailable', { details });
    case res.status === 504:
      return new SbError(ErrorCode.VendorTimeout, 'The EHR timed out', { details });
    default:
      return new SbError(ErrorCode.VendorError, 'The EHR answered with an error', { details });
  }
}

export const malformedResponse = (): SbError =>
  new SbError(ErrorCode.VendorError, 'The EHR sent a malformed response', { details: { reason: 'malformed_response' } });
