import type { Request, Response } from 'express';
import type { Fault } from '../faults/fault-queue';
import { abandoned } from '../fhir/fhir-request';
import { issue } from '../fhir/issues';
import { sendReply, type Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import type { BulkJob } from './bulk-jobs';
import { ERROR_FILE_NAME } from './bulk-manifest';
import { acceptsGzip, chunked, fileLines, streamNdjson, truncatedLastLine, writeNdjsonHead } from './bulk-ndjson';
import { unknownJob } from './bulk-status';
import type { BulkRequestContext } from './bulk-vendor';

const DEFAULT_DRIP_MS = 5_000;

/** A finished job's file as NDJSON chunks, or undefined when the job has no file of that name. */
export function fileChunks(job: BulkJob, fileName: string): Iterable<string> | undefined {
  if (fileName === ERROR_FILE_NAME && job.errorLines.length > 0) return chunked(job.errorLines);
  const file = job.files.find((f) => f.name === fileName);
  return file ? chunked(fileLines(file)) : undefined;
}

export const countDownload = (counts: Map<string, number>, fileName: string): void => {
  counts.set(fileName, (counts.get(fileName) ?? 0) + 1);
};

/** Files exist only once the whole job is complete (Epic's all-or-nothing; no partial manifests anywhere). */
function readyFile(state: SandboxState, ctx: BulkRequestContext, job: BulkJob | undefined, fileName: string): { ok: true; job: BulkJob; chunks: Iterable<string> } | { ok: false; reply: Reply } {
  if (!job) return { ok: false, reply: unknownJob(ctx) };
  if (state.bulk.jobs.stateOf(job) !== 'complete') return { ok: false, reply: ctx.profile.error(404, [issue('not-found', 'No such file: files are available once the export is complete.')]) };
  const chunks = fileChunks(job, fileName);
  return chunks ? { ok: true, job, chunks } : { ok: false, reply: ctx.profile.error(404, [issue('not-found', 'This export has no file of this name.')]) };
}

/**
 * `GET {fileUrl}` with the bearer token. Epic and athena stream the NDJSON
 * (gzip when the client accepts it); Oracle answers 307 to a short-lived
 * pre-signed URL on its file store, which must be fetched without the token.
 * Delivery faults: malformed-json cuts the last line in half; slow-drip holds
 * the body for `delayMs` after the headers.
 */
export async function downloadFile(req: Request, res: Response, state: SandboxState, ctx: BulkRequestContext, job: BulkJob | undefined, fileName: string, fault: Fault | undefined): Promise<void> {
  const ready = readyFile(state, ctx, job, fileName);
  if (!ready.ok) return sendReply(res, ready.reply, state.timers, fault);
  const delivery = ctx.profile.fileDelivery;
  if (delivery.kind === 'signed-redirect') {
    countDownload(ready.job.redirects, fileName);
    const key = `${ready.job.id}/${encodeURIComponent(fileName)}`;
    const query = state.bulk.signer.sign(key, state.now(), state.bulk.settings[ctx.profile.vendor].signedUrlTtlSeconds);
    return sendReply(res, { status: 307, headers: { location: `${state.publicUrl}${delivery.storePath}/${key}?${query}` } }, state.timers, fault);
  }
  const chunks = fault?.kind === 'malformed-json' ? truncatedLastLine(ready.chunks) : ready.chunks;
  const gzip = acceptsGzip(req);
  writeNdjsonHead(res, gzip);
  if (fault?.kind === 'slow-drip') {
    res.flushHeaders();
    if (!(await state.timers.wait(fault.delayMs ?? DEFAULT_DRIP_MS, abandoned(res)))) return;
  }
  await streamNdjson(res, chunks, gzip, () => countDownload(ready.job.downloads, fileName));
}
