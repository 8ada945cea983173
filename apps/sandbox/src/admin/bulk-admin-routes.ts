import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ATHENA_PRACTICES } from '../athena/athena-directory';
import { ATHENA_FHIR_PATH, athenaBulkGroupId } from '../athena/athena-fhir-routes';
import type { BulkJob, BulkJobTable } from '../bulk/bulk-jobs';
import { completesAtMs } from '../bulk/bulk-jobs';
import { ERROR_FILE_NAME } from '../bulk/bulk-manifest';
import { bulkSettingsUpdateSchema } from '../bulk/bulk-settings';
import { EPIC_BULK_GROUP_ID } from '../epic/epic-bulk';
import { VENDORS, type Vendor } from '../faults/fault-queue';
import { ORACLE_BULK_GROUP_ID } from '../oracle/oracle-bulk';
import type { SandboxState } from '../sandbox-state';
import { problem, zodIssues } from './problem';

const vendorQuery = z.enum(VENDORS);
const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** GET /_sandbox/bulk/jobs item: what the vendor saw of one export, for tests to assert on. */
export function bulkJobView(jobs: BulkJobTable, job: BulkJob): Record<string, unknown> {
  return {
    id: job.id,
    vendor: job.vendor,
    groupId: job.groupId,
    clientId: job.clientId,
    scope: job.scope ?? null,
    state: jobs.stateOf(job),
    plannedOutcome: job.outcome,
    kickoffAt: iso(job.kickoffAtMs),
    completesAt: iso(completesAtMs(job)),
    cancelledAt: iso(job.cancelledAtMs),
    request: job.request,
    method: job.method,
    types: job.params.types,
    since: job.params.since ?? null,
    outputFormat: job.params.outputFormat,
    statusCallCount: job.statusCallCount,
    statusCalls: job.statusCalls.map((c) => ({ at: iso(c.atMs), status: c.status })),
    files: job.files.map((f) => ({ name: f.name, type: f.type, count: f.count, downloads: job.downloads.get(f.name) ?? 0, redirects: job.redirects.get(f.name) ?? 0 })),
    errorFile:
      job.errorLines.length > 0
        ? { name: ERROR_FILE_NAME, count: job.errorLines.length, downloads: job.downloads.get(ERROR_FILE_NAME) ?? 0, redirects: job.redirects.get(ERROR_FILE_NAME) ?? 0 }
        : null,
  };
}

/**
 * The $export simulator's admin API: the job ledger (kick-offs, status polls
 * with their times and answers, downloads), the groups, and the knobs.
 */
export function bulkAdminRoutes(state: SandboxState): Router {
  const router = express.Router();
  const jobs = state.bulk.jobs;

  const vendorOf = (req: Request, res: Response): Vendor | undefined | false => {
    if (req.query.vendor === undefined) return undefined;
    const vendor = vendorQuery.safeParse(req.query.vendor);
    if (vendor.success) return vendor.data;
    problem(res, 400, 'validation_failed', `vendor must be one of ${VENDORS.join(', ')}.`);
    return false;
  };

  router.get('/_sandbox/bulk/jobs', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor === false) return;
    res.json({
      jobs: jobs.list(vendor).map((job) => bulkJobView(jobs, job)),
      kickoffs: jobs.kickoffAttempts(vendor).map((k) => ({ vendor: k.vendor, clientId: k.clientId ?? null, groupId: k.groupId ?? null, at: iso(k.atMs), status: k.status, jobId: k.jobId ?? null })),
    });
  });

  router.delete('/_sandbox/bulk/jobs', (req, res) => {
    const vendor = vendorOf(req, res);
    if (vendor === false) return;
    jobs.clear(vendor);
    res.status(204).end();
  });

  router.get('/_sandbox/bulk/groups', (_req, res) => {
    res.json([
      { vendor: 'epic', groupId: EPIC_BULK_GROUP_ID, fhirBaseUrl: state.epicBase, patients: state.epicStore.all('Patient').length },
      { vendor: 'oracle', groupId: ORACLE_BULK_GROUP_ID, fhirBaseUrl: state.oracleBase('{tenantId}'), patients: state.dataset.patients.length },
      ...ATHENA_PRACTICES.map((practiceId) => ({ vendor: 'athena', groupId: athenaBulkGroupId(practiceId), fhirBaseUrl: `${state.publicUrl}${ATHENA_FHIR_PATH}`, patients: state.dataset.patients.length })),
    ]);
  });

  router.get('/_sandbox/bulk/settings', (_req, res) => {
    res.json(state.bulk.settings);
  });

  router.put('/_sandbox/bulk/settings', (req, res) => {
    const parsed = bulkSettingsUpdateSchema.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, 'validation_failed', 'The settings are not valid.', zodIssues(parsed.error));
    res.json(state.bulk.update(parsed.data));
  });

  return router;
}
