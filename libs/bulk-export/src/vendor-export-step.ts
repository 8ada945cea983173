import type { VendorBulkExport, VendorExportFile } from '@sb/adapters/contracts';
import type { BulkExportLease, BulkExportRepository, Connection } from '@sb/db';
import type { ObjectStorage } from '@sb/storage';
import { EXPORTABLE_TYPES, type ExportParams } from './export-request';
import { fileKey, writeNdjsonFile } from './ndjson-file';
import { vendorResources } from './vendor-exports';

/** A vendor kick-off refused for longer than this (Epic's window, Oracle's one-at-a-time) fails the export instead of waiting. */
export const MAX_KICK_OFF_WAIT_SECONDS = 300;
/** Before the vendor's first answer, its status is asked this soon after the kick-off. */
export const FIRST_POLL_SECONDS = 1;
/** Vendor progress fills the first half of ours; downloading the second. */
const VENDOR_SHARE = 50;

export interface VendorStepContext {
  exports: BulkExportRepository;
  storage: ObjectStorage;
  client: VendorBulkExport;
  connection: Connection;
  leaseMs: number;
  /** Aborted when the export is cancelled mid-step. */
  signal: AbortSignal;
}

export class LeaseLost extends Error {}

/** The client cancelled the export while a step ran: the step stops at once and leaves the clean-up to the purge. */
export class ExportCancelled extends Error {}

/** What a step asks of the runner afterwards. */
export type VendorStepOutcome = { next: 'wait'; at: Date } | { next: 'complete'; counts: Record<string, number> } | { next: 'fail'; errorCode: string };

const secondsFromNow = (s: number): Date => new Date(Date.now() + s * 1000);

/**
 * One step of a vendor export: kick off (the status URL recorded right after the vendor's 202),
 * poll on the vendor's own Retry-After, then fetch every file not yet stored. Every change is
 * fenced by the lease, so a cancellation or a takeover in between wins.
 */
export async function vendorStep(ctx: VendorStepContext, lease: BulkExportLease): Promise<VendorStepOutcome> {
  switch (lease.export.status) {
    case 'requested':
      return kickOff(ctx, lease);
    case 'kicked_off':
      return poll(ctx, lease);
    default:
      return download(ctx, lease);
  }
}

async function kickOff(ctx: VendorStepContext, lease: BulkExportLease): Promise<VendorStepOutcome> {
  const exp = lease.export;
  const params = exp.params as unknown as ExportParams;
  const answer = await ctx.client.kickOff({ groupId: exp.groupId ?? '', types: params.types, since: params.since });
  if (!answer.accepted) {
    if (answer.retryAfterSeconds > MAX_KICK_OFF_WAIT_SECONDS) return { next: 'fail', errorCode: 'vendor_throttled' };
    const at = secondsFromNow(answer.retryAfterSeconds);
    await fenced(ctx.exports.advance(lease, { nextRunAt: at, releaseLease: true }));
    return { next: 'wait', at };
  }
  const at = secondsFromNow(FIRST_POLL_SECONDS);
  await fenced(ctx.exports.advance(lease, { status: 'kicked_off', vendorStatusUrl: answer.statusUrl, vendorKickedOffAt: new Date(), nextRunAt: at, failures: 0, releaseLease: true }));
  return { next: 'wait', at };
}

async function poll(ctx: VendorStepContext, lease: BulkExportLease): Promise<VendorStepOutcome> {
  const exp = lease.export;
  const status = await ctx.client.status(exp.vendorStatusUrl ?? '');
  if (status.state === 'failed') return { next: 'fail', errorCode: status.reason };
  if (status.state === 'running') {
    const percent = Number.parseInt(status.progress ?? '', 10);
    const progressPercent = Number.isNaN(percent) ? exp.progressPercent : Math.min(VENDOR_SHARE - 1, Math.floor((Math.max(0, percent) * VENDOR_SHARE) / 100));
    const at = secondsFromNow(status.retryAfterSeconds);
    await fenced(ctx.exports.advance(lease, { nextRunAt: at, progressPercent, failures: 0, releaseLease: true }));
    return { next: 'wait', at };
  }
  const params = exp.params as unknown as ExportParams;
  const wanted = (f: VendorExportFile) => EXPORTABLE_TYPES.includes(f.type) && (params.types === null || params.types.includes(f.type));
  const planned = [...numbered(status.output.filter(wanted), 'output', exp), ...numbered(status.error.filter((f) => f.type === 'OperationOutcome'), 'error', exp)];
  const transactionTime = status.transactionTime && !Number.isNaN(Date.parse(status.transactionTime)) ? new Date(status.transactionTime) : new Date();
  await fenced(
    ctx.exports.advance(lease, { status: 'downloading', transactionTime, vendorCompletedAt: new Date(), progressPercent: VENDOR_SHARE, nextRunAt: new Date(), failures: 0 }, (tx) =>
      ctx.exports.planFiles(tx, exp.tenantId, exp.id, planned),
    ),
  );
  return download(ctx, lease);
}

/** Fetches the files not yet stored, one at a time (a rerun after a crash resumes at the first missing one). */
async function download(ctx: VendorStepContext, lease: BulkExportLease): Promise<VendorStepOutcome> {
  const exp = lease.export;
  const files = await ctx.exports.files(exp.tenantId, exp.id);
  const pending = files.filter((f) => !f.done);
  for (const [index, file] of pending.entries()) {
    if (ctx.signal.aborted) throw new ExportCancelled();
    const body = await ctx.client.file(file.vendorUrl ?? '');
    const stop = () => body.destroy(new ExportCancelled());
    ctx.signal.addEventListener('abort', stop, { once: true });
    const source = { type: file.kind === 'error' ? 'OperationOutcome' : file.resourceType, url: file.vendorUrl ?? '', count: null };
    const written = await writeNdjsonFile(ctx.storage, file.objectKey, vendorResources(body, source, exp, ctx.connection)).finally(() => ctx.signal.removeEventListener('abort', stop));
    await ctx.exports.recordFile(exp.tenantId, exp.id, { ...file, ...written });
    const done = files.length - pending.length + index + 1;
    const progressPercent = VENDOR_SHARE + Math.floor(((100 - VENDOR_SHARE - 1) * done) / files.length);
    if (!(await ctx.exports.progress(lease, progressPercent, ctx.leaseMs))) throw new LeaseLost();
  }
  const stored = await ctx.exports.files(exp.tenantId, exp.id);
  const counts: Record<string, number> = {};
  for (const f of stored) if (f.kind === 'output' && f.done) counts[f.resourceType] = (counts[f.resourceType] ?? 0) + f.lines;
  return { next: 'complete', counts };
}

/** Our file names for the vendor's files: numbered per type in the vendor's order. */
function numbered(files: readonly VendorExportFile[], kind: 'output' | 'error', exp: BulkExportLease['export']) {
  const seqByType = new Map<string, number>();
  return files.map((f) => {
    const seq = (seqByType.get(f.type) ?? 0) + 1;
    seqByType.set(f.type, seq);
    return { kind, resourceType: f.type, seq, vendorUrl: f.url, objectKey: fileKey(exp.tenantId, exp.connectionId, exp.id, kind, f.type, seq) };
  });
}

async function fenced(moved: Promise<boolean>): Promise<void> {
  if (!(await moved)) throw new LeaseLost();
}
