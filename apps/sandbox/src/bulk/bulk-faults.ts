import type { Fault } from '../faults/fault-queue';
import { issue } from '../fhir/issues';
import type { Reply } from '../fhir/reply';
import type { BulkJobOutcome } from './bulk-jobs';
import type { BulkVendorProfile } from './bulk-vendor';

const DEFAULT_RETRY_AFTER_SECONDS = 1;
const DEFAULT_STATUS_ERROR = 503;

/**
 * A status-poll fault's answer: `bulk-status-error` → `status` (default 503),
 * `bulk-status-rate-limit` → 429; both with Retry-After (default 1 s).
 */
export function statusFaultReply(fault: Fault, profile: BulkVendorProfile): Reply | undefined {
  const retryAfter = { 'retry-after': String(fault.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) };
  if (fault.kind === 'bulk-status-error') {
    return profile.error(fault.status ?? DEFAULT_STATUS_ERROR, [issue('server-error', 'The export status is temporarily unavailable.')], retryAfter);
  }
  if (fault.kind === 'bulk-status-rate-limit') return profile.error(429, [issue('throttled', 'Too many status requests; retry after the interval in Retry-After.')], retryAfter);
  return undefined;
}

/** How a kick-off fault shapes the job: it fails, ends with an error file, or runs for `delayMs`. */
export function jobShape(fault: Fault | undefined, jobDurationMs: number): { outcome: BulkJobOutcome; durationMs: number } {
  switch (fault?.kind) {
    case 'bulk-job-failed':
      return { outcome: 'failed', durationMs: jobDurationMs };
    case 'bulk-job-error-file':
      return { outcome: 'error-file', durationMs: jobDurationMs };
    case 'bulk-job-slow':
      return { outcome: 'complete', durationMs: fault.delayMs ?? jobDurationMs * 10 };
    default:
      return { outcome: 'complete', durationMs: jobDurationMs };
  }
}
