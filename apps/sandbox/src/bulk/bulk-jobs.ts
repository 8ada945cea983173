import { randomUUID } from 'node:crypto';
import type { Vendor } from '../faults/fault-queue';
import type { ExportParameters } from './bulk-parameters';
import type { PlannedFile } from './bulk-plan';

export type BulkJobState = 'in-progress' | 'complete' | 'failed' | 'cancelled';
/** How a job ends once its time is up; decided at kick-off (the bulk-job faults). */
export type BulkJobOutcome = 'complete' | 'failed' | 'error-file';

export interface StatusCall {
  atMs: number;
  /** What the poll was answered with (202, 200, 404, 500, or a fault's 429/5xx). */
  status: number;
}

export interface BulkJobInit {
  vendor: Vendor;
  clientId: string;
  /** Oracle: the tenant; athena: the practice. The status URL answers only under the same one. */
  scope?: string;
  groupId: string;
  /** The kick-off URL as received (the manifest's `request`). */
  request: string;
  method: 'GET' | 'POST';
  params: ExportParameters;
  files: PlannedFile[];
  /** NDJSON lines of the manifest's error file (OperationOutcomes); none, no error file. */
  errorLines: string[];
  durationMs: number;
  outcome: BulkJobOutcome;
}

export interface BulkJob extends BulkJobInit {
  id: string;
  kickoffAtMs: number;
  cancelledAtMs?: number;
  /** The first MAX_STATUS_CALLS polls (a runaway poller must not grow the table without end). */
  statusCalls: StatusCall[];
  statusCallCount: number;
  /** File name → completed downloads (for Oracle, of the pre-signed store URL). */
  downloads: Map<string, number>;
  /** Oracle: file name → 307s handed out by the FHIR host. */
  redirects: Map<string, number>;
}

/** Every request to a kick-off URL, whatever it was answered (faults, 401 and 400 included). */
export interface KickoffAttempt {
  vendor: Vendor;
  /** Undefined when the token did not identify a client. */
  clientId?: string;
  /** Undefined for a Patient- or system-level kick-off. */
  groupId?: string;
  atMs: number;
  status: number;
  jobId?: string;
}

/** Jobs and kick-off attempts kept for the admin listing; the oldest finished ones go first. */
const MAX_JOBS = 1_000;
const MAX_KICKOFFS = 5_000;
export const MAX_STATUS_CALLS = 10_000;

/**
 * The $export jobs of every simulated vendor, in memory, keyed by id. A job's
 * state is computed from the sandbox clock: in progress until kick-off +
 * duration, then its outcome — nothing runs in the background.
 */
export class BulkJobTable {
  private readonly jobs = new Map<string, BulkJob>();
  private readonly kickoffs: KickoffAttempt[] = [];
  /** vendor|scope|client|group → last accepted kick-off (Epic's window outlives pruned jobs). */
  private readonly lastKickoff = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  create(init: BulkJobInit): BulkJob {
    const job: BulkJob = { ...init, id: randomUUID(), kickoffAtMs: this.now(), statusCalls: [], statusCallCount: 0, downloads: new Map(), redirects: new Map() };
    this.jobs.set(job.id, job);
    this.lastKickoff.set(groupKey(job.vendor, job.scope, job.clientId, job.groupId), job.kickoffAtMs);
    this.prune();
    return job;
  }

  /** The vendor's job with this id (a job id is only valid on its own vendor). */
  find(vendor: Vendor, id: string): BulkJob | undefined {
    const job = this.jobs.get(id);
    return job?.vendor === vendor ? job : undefined;
  }

  stateOf(job: BulkJob): BulkJobState {
    if (job.cancelledAtMs !== undefined) return 'cancelled';
    if (this.now() < completesAtMs(job)) return 'in-progress';
    return job.outcome === 'failed' ? 'failed' : 'complete';
  }

  /** 0–99 while in progress, from the time elapsed. */
  progressPercent(job: BulkJob): number {
    if (job.durationMs <= 0) return 99;
    return Math.max(0, Math.min(99, Math.floor(((this.now() - job.kickoffAtMs) / job.durationMs) * 100)));
  }

  recordStatusCall(job: BulkJob, status: number): void {
    job.statusCallCount += 1;
    if (job.statusCalls.length < MAX_STATUS_CALLS) job.statusCalls.push({ atMs: this.now(), status });
  }

  cancel(job: BulkJob): void {
    job.cancelledAtMs = this.now();
  }

  recordKickoff(attempt: Omit<KickoffAttempt, 'atMs'>): void {
    this.kickoffs.push({ ...attempt, atMs: this.now() });
    if (this.kickoffs.length > MAX_KICKOFFS) this.kickoffs.shift();
  }

  /** When this client last kicked off this group (accepted kick-offs only). */
  lastKickoffAtMs(vendor: Vendor, scope: string | undefined, clientId: string, groupId: string): number | undefined {
    return this.lastKickoff.get(groupKey(vendor, scope, clientId, groupId));
  }

  /** The client's job still running in this scope, if any. */
  inProgressFor(vendor: Vendor, scope: string | undefined, clientId: string): BulkJob | undefined {
    return [...this.jobs.values()].find((j) => j.vendor === vendor && j.scope === scope && j.clientId === clientId && this.stateOf(j) === 'in-progress');
  }

  list(vendor?: Vendor): BulkJob[] {
    return [...this.jobs.values()].filter((j) => vendor === undefined || j.vendor === vendor);
  }

  kickoffAttempts(vendor?: Vendor): KickoffAttempt[] {
    return this.kickoffs.filter((k) => vendor === undefined || k.vendor === vendor);
  }

  /** Forgets jobs, kick-off attempts and throttle windows (of one vendor, or all). */
  clear(vendor?: Vendor): void {
    for (const [id, job] of this.jobs) if (vendor === undefined || job.vendor === vendor) this.jobs.delete(id);
    for (const key of this.lastKickoff.keys()) if (vendor === undefined || key.startsWith(`${vendor}|`)) this.lastKickoff.delete(key);
    const kept = this.kickoffs.filter((k) => vendor !== undefined && k.vendor !== vendor);
    this.kickoffs.splice(0, this.kickoffs.length, ...kept);
  }

  private prune(): void {
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS) return;
      if (this.stateOf(job) !== 'in-progress') this.jobs.delete(id);
    }
  }
}

export const completesAtMs = (job: Pick<BulkJob, 'kickoffAtMs' | 'durationMs'>): number => job.kickoffAtMs + job.durationMs;

const groupKey = (vendor: Vendor, scope: string | undefined, clientId: string, groupId: string): string => `${vendor}|${scope ?? ''}|${clientId}|${groupId}`;
