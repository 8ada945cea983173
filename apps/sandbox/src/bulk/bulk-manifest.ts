import type { BulkJob } from './bulk-jobs';
import { fileUrlOf, type BulkRequestContext } from './bulk-vendor';

/** The error file's name in every job (its OperationOutcomes). */
export const ERROR_FILE_NAME = 'OperationOutcome-1.ndjson';

export interface ManifestItem {
  type: string;
  url: string;
  count?: number;
}

/** The complete-status body (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#response---complete-status). */
export interface BulkManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: true;
  output: ManifestItem[];
  error: ManifestItem[];
}

/** A finished job's manifest: one item per file, counts where the vendor gives them. */
export function manifestOf(job: BulkJob, ctx: Pick<BulkRequestContext, 'base' | 'profile'>): BulkManifest {
  const counted = ctx.profile.manifestCounts;
  const item = (type: string, name: string, count: number): ManifestItem => ({ type, url: fileUrlOf(ctx, job.id, name), ...(counted ? { count } : {}) });
  return {
    transactionTime: new Date(job.kickoffAtMs).toISOString(),
    request: job.request,
    requiresAccessToken: true,
    output: job.files.map((f) => item(f.type, f.name, f.count)),
    error: job.errorLines.length > 0 ? [item('OperationOutcome', ERROR_FILE_NAME, job.errorLines.length)] : [],
  };
}
