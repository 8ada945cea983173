import { issue } from '../fhir/issues';
import { jsonReply, type Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import type { BulkJob } from './bulk-jobs';
import { manifestOf } from './bulk-manifest';
import type { BulkRequestContext } from './bulk-vendor';

/** The job a client names in a status, cancel or file URL: its own, under the same base, or nothing. */
export function ownJob(state: SandboxState, ctx: BulkRequestContext, jobId: string, clientId: string): BulkJob | undefined {
  const job = state.bulk.jobs.find(ctx.profile.vendor, jobId);
  return job && job.scope === ctx.scope && job.clientId === clientId ? job : undefined;
}

export const unknownJob = (ctx: BulkRequestContext): Reply => ctx.profile.error(404, [issue('not-found', 'No export job has this id, or it was cancelled.')]);

/**
 * `GET {statusUrl}`: 202 with X-Progress and Retry-After while the job runs;
 * 200 with the manifest (application/json) once complete; 500 with an
 * OperationOutcome if it failed; 404 once cancelled.
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-status-request
 */
export function pollStatus(state: SandboxState, ctx: BulkRequestContext, job: BulkJob | undefined): Reply {
  if (!job) return unknownJob(ctx);
  const jobs = state.bulk.jobs;
  switch (jobs.stateOf(job)) {
    case 'in-progress':
      return {
        status: 202,
        headers: { 'x-progress': ctx.profile.progress(jobs.progressPercent(job)), 'retry-after': String(state.bulk.settings[ctx.profile.vendor].retryAfterSeconds) },
      };
    case 'complete':
      return jsonReply(200, manifestOf(job, ctx), { 'content-type': 'application/json; charset=utf-8', expires: new Date(state.now() + 86_400_000).toUTCString() });
    case 'failed':
      return ctx.profile.error(500, [issue('server-error', 'The export failed (simulated processing error); kick off a new export.')]);
    case 'cancelled':
      return unknownJob(ctx);
  }
}

/**
 * `DELETE {statusUrl}`: 202 and the job is gone (its status and files then
 * answer 404); 404 for a job already cancelled or unknown.
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-delete-request
 */
export function cancelJob(state: SandboxState, ctx: BulkRequestContext, job: BulkJob | undefined): Reply {
  if (!job || state.bulk.jobs.stateOf(job) === 'cancelled') return unknownJob(ctx);
  state.bulk.jobs.cancel(job);
  return { status: 202 };
}
