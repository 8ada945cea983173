import type { Request } from 'express';
import type { Fault } from '../faults/fault-queue';
import { issue, type Issue } from '../fhir/issues';
import type { Reply } from '../fhir/reply';
import type { SandboxState } from '../sandbox-state';
import { jobShape } from './bulk-faults';
import { completesAtMs } from './bulk-jobs';
import { parseExportParameters, type ExportParameters } from './bulk-parameters';
import { planFiles, snapshotGroup } from './bulk-plan';
import { kickoffHeaderIssue, kickoffPairs, prefersLenient } from './bulk-request';
import { statusUrlOf, type BulkRequestContext } from './bulk-vendor';

/** Epic's words for a kick-off inside the window (as quoted by SMART's Cumulus docs). */
export const EPIC_TOO_RECENT = 'Request not allowed: The Client requested this Group too recently.';
const secondsUntil = (ms: number, nowMs: number): string => String(Math.max(1, Math.ceil((ms - nowMs) / 1000)));

type Step<T> = { ok: true; value: T } | { ok: false; reply: Reply };

/** Narrows the types to what the grant may export (Oracle): named types not granted are refused (dropped if lenient). */
function grantedTypes(ctx: BulkRequestContext, scopes: readonly string[], params: ExportParameters, lenient: boolean, warnings: Issue[]): Step<ExportParameters> {
  const may = ctx.mayExport;
  if (!may) return { ok: true, value: params };
  const denied = params.types.filter((t) => !may(scopes, t));
  if (params.typeGiven && denied.length > 0 && !(lenient && ctx.profile.params.lenient)) {
    return { ok: false, reply: ctx.profile.error(403, [issue('insufficient-scope', `The access token does not grant system read access to ${denied.join(', ')}.`, ['_type'])]) };
  }
  if (params.typeGiven) for (const t of denied) warnings.push(issue('insufficient-scope', `${t} is not granted to this client; not exported.`, ['_type'], 'warning'));
  const types = params.types.filter((t) => may(scopes, t));
  if (types.length === 0) return { ok: false, reply: ctx.profile.error(403, [issue('insufficient-scope', 'The access token grants no resource type this export could deliver.')]) };
  return { ok: true, value: { ...params, types } };
}

/** Epic's window per client and group, or Oracle's one running export per client. */
function throttled(state: SandboxState, ctx: BulkRequestContext, clientId: string, groupId: string): Reply | undefined {
  const { vendor, throttle } = ctx.profile;
  const nowMs = state.now();
  if (throttle === 'group-window') {
    const windowMs = state.bulk.settings[vendor].kickoffWindowSeconds * 1000;
    const last = state.bulk.jobs.lastKickoffAtMs(vendor, ctx.scope, clientId, groupId);
    if (windowMs > 0 && last !== undefined && nowMs < last + windowMs) {
      return ctx.profile.error(429, [issue('throttled', EPIC_TOO_RECENT)], { 'retry-after': secondsUntil(last + windowMs, nowMs) });
    }
  }
  if (throttle === 'one-in-progress') {
    const running = state.bulk.jobs.inProgressFor(vendor, ctx.scope, clientId);
    if (running) {
      return ctx.profile.error(429, [issue('throttled', 'An export for this client is already in progress; wait for it to finish or cancel it.')], {
        'retry-after': secondsUntil(completesAtMs(running), nowMs),
      });
    }
  }
  return undefined;
}

/**
 * `[base]/Group/{id}/$export`, GET or POST: validates the headers and
 * parameters, resolves the group, applies the vendor's throttle, then starts
 * a job whose data is fixed now (its transactionTime) and answers 202 with
 * the status URL in Content-Location.
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-kick-off-request
 */
export function kickoff(
  req: Request,
  state: SandboxState,
  ctx: BulkRequestContext,
  grant: { clientId: string; scopes: readonly string[] },
  groupId: string,
  fault: Fault | undefined,
): { reply: Reply; jobId?: string } {
  const { profile } = ctx;
  const settings = state.bulk.settings[profile.vendor];
  const fail = (reply: Reply): { reply: Reply } => ({ reply });
  const headerIssue = kickoffHeaderIssue(req);
  if (headerIssue) return fail(profile.error(400, [headerIssue]));
  const pairs = kickoffPairs(req);
  if (!pairs.ok) return fail(profile.error(pairs.issue.kind === 'unsupported-media-type' ? 415 : 400, [pairs.issue]));
  const group = ctx.group(groupId, grant.clientId);
  if (!group.found) {
    return fail(group.status === 404 ? profile.error(404, [issue('not-found', 'No Group has this id.')]) : profile.error(403, [issue('insufficient-scope', 'This client may not export this Group.')]));
  }
  const lenient = prefersLenient(req);
  const parsed = parseExportParameters(pairs.pairs, profile.params, lenient, ctx.exportable);
  if (!parsed.ok) return fail(profile.error(400, parsed.issues));
  const warnings = [...parsed.warnings];
  const granted = grantedTypes(ctx, grant.scopes, parsed.params, lenient, warnings);
  if (!granted.ok) return fail(granted.reply);
  const limited = throttled(state, ctx, grant.clientId, groupId);
  if (limited) return fail(limited);

  const params = granted.value;
  const snapshots = snapshotGroup(group.store, group.patientIds, params, settings.patientMultiplier);
  const shape = jobShape(fault, settings.jobDurationMs);
  const errorLines = warnings.length > 0 ? [JSON.stringify(profile.outcome(warnings))] : [];
  if (shape.outcome === 'error-file') {
    errorLines.push(JSON.stringify(profile.outcome([issue('server-error', 'Some resources could not be exported (simulated processing error).')])));
  }
  const job = state.bulk.jobs.create({
    vendor: profile.vendor,
    clientId: grant.clientId,
    scope: ctx.scope,
    groupId,
    request: `${state.publicUrl}${req.originalUrl}`,
    method: req.method === 'POST' ? 'POST' : 'GET',
    params,
    files: planFiles(snapshots, settings.maxResourcesPerFile),
    errorLines,
    ...shape,
  });
  return { reply: { status: 202, headers: { 'content-location': statusUrlOf(ctx, job.id) } }, jobId: job.id };
}
