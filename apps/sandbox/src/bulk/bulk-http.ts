import type { Request, Response } from 'express';
import type { RequestKind } from '../faults/fault-queue';
import { issue } from '../fhir/issues';
import { sendReply, type Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { statusFaultReply } from './bulk-faults';
import { downloadFile } from './bulk-files';
import { kickoff } from './bulk-kickoff';
import { cancelJob, ownJob, pollStatus } from './bulk-status';
import type { BulkRequestContext, BulkVendorProfile } from './bulk-vendor';

export type BulkRoute =
  | { kind: 'kickoff'; groupId: string }
  | { kind: 'level-not-supported' }
  | { kind: 'status'; jobId: string; cancel: boolean }
  | { kind: 'file'; jobId: string; fileName: string };

const segmentsOf = (path: string): string[] | undefined => {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
};
const startsWith = (segments: readonly string[], prefix: readonly string[]): boolean => prefix.every((p, i) => segments[i] === p);

/** Which $export request a path under the FHIR base is, if any (path relative to the base). */
export function matchBulkRoute(method: string, path: string, profile: BulkVendorProfile): BulkRoute | undefined {
  const segments = segmentsOf(path);
  if (!segments) return undefined;
  const kickoffMethod = method === 'GET' || method === 'POST';
  if (kickoffMethod && segments.length === 3 && segments[0] === 'Group' && segments[2] === '$export') return { kind: 'kickoff', groupId: segments[1] as string };
  if (kickoffMethod && ((segments.length === 2 && segments[0] === 'Patient' && segments[1] === '$export') || (segments.length === 1 && segments[0] === '$export'))) {
    return { kind: 'level-not-supported' };
  }
  const statusPrefix = profile.statusPath.split('/');
  if ((method === 'GET' || method === 'DELETE') && segments.length === statusPrefix.length + 1 && startsWith(segments, statusPrefix)) {
    return { kind: 'status', jobId: segments[statusPrefix.length] as string, cancel: method === 'DELETE' };
  }
  const filePrefix = profile.filePath.split('/');
  if (method === 'GET' && segments.length === filePrefix.length + 2 && startsWith(segments, filePrefix)) {
    return { kind: 'file', jobId: segments[filePrefix.length] as string, fileName: segments[filePrefix.length + 1] as string };
  }
  return undefined;
}

const REQUEST_KIND: Record<BulkRoute['kind'], RequestKind> = { kickoff: 'bulk-kickoff', 'level-not-supported': 'bulk-kickoff', status: 'bulk-status', file: 'bulk-file' };

/**
 * Serves one $export request the vendor's way: faults first (as every
 * simulated API), then the bearer token, then the route. Every kick-off and
 * every status poll naming a job of this vendor is recorded with its answer,
 * faults and refusals included.
 */
export async function handleBulkRequest(req: Request, res: Response, state: SandboxState, ctx: BulkRequestContext, route: BulkRoute): Promise<void> {
  const { profile } = ctx;
  const fault = state.faults.take(profile.vendor, [REQUEST_KIND[route.kind], 'other']);
  const pollOf = route.kind === 'status' && !route.cancel ? state.bulk.jobs.find(profile.vendor, route.jobId) : undefined;
  const send = (reply: Reply, clientId?: string, jobId?: string): void => {
    if (pollOf) state.bulk.jobs.recordStatusCall(pollOf, reply.status);
    if (route.kind === 'kickoff' || route.kind === 'level-not-supported') {
      state.bulk.jobs.recordKickoff({ vendor: profile.vendor, clientId, groupId: route.kind === 'kickoff' ? route.groupId : undefined, status: reply.status, jobId });
    }
    sendReply(res, reply, state.timers, fault);
  };
  if (fault) {
    const early = statusFaultReply(fault, profile) ?? (await ctx.playFault(fault, req, res));
    if (early === 'abandoned') return;
    if (early) return send(early);
  }
  const auth = ctx.authenticate(req.headers.authorization);
  if (!auth.ok) return send(auth.reply);
  switch (route.kind) {
    case 'kickoff': {
      const started = kickoff(req, state, ctx, auth, route.groupId, fault);
      return send(started.reply, auth.clientId, started.jobId);
    }
    case 'level-not-supported':
      return send(profile.error(400, [issue('not-supported', 'Only Group-level export is supported: use [base]/Group/{id}/$export.')]), auth.clientId);
    case 'status': {
      const job = ownJob(state, ctx, route.jobId, auth.clientId);
      return send(route.cancel ? cancelJob(state, ctx, job) : pollStatus(state, ctx, job));
    }
    case 'file':
      return downloadFile(req, res, state, ctx, ownJob(state, ctx, route.jobId, auth.clientId), route.fileName, fault);
  }
}
