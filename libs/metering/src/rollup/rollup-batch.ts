import { billingPeriodAt, type BillingPeriod, type BillingTermsLike } from '@sb/core';
import type { ConnectionEnvironment, ConnectionVendor, TransactionOutcome } from '@sb/db';

/** Width of a rollup bucket. Every IANA offset in use is a multiple of it, so local days and periods are whole buckets. */
export const BUCKET_MS = 15 * 60_000;

/** The start of the 15-minute UTC bucket holding `at` (:00, :15, :30 or :45). */
export function bucketStartOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / BUCKET_MS) * BUCKET_MS);
}

/** A claimed usage event, as the rollup reads it. */
export interface ClaimedUsage {
  tenantId: string;
  connectionId: string;
  transactionId: string;
  vendor: ConnectionVendor;
  operation: string;
  resourceType: string;
  class: string | null;
  environment: ConnectionEnvironment;
  outcome: TransactionOutcome;
  billable: boolean;
  units: number;
  occurredAt: Date;
  /** The patient references of the event's audit records (looked up for billable events only). */
  patientRefs: readonly string[] | null;
}

/** The claim's JSON row: the columns of {@link ClaimedUsage} in declaration order. */
type ClaimedRow = [string, string, string, ConnectionVendor, string, string, string | null, ConnectionEnvironment, TransactionOutcome, boolean, number, string, string[] | null];

/** The claim's rows (one JSON array of arrays, as the claim statement builds it). */
export function parseClaimedEvents(json: string): ClaimedUsage[] {
  return (JSON.parse(json) as ClaimedRow[]).map(([tenantId, connectionId, transactionId, vendor, operation, resourceType, cls, environment, outcome, billable, units, occurredAt, patientRefs]) => ({
    tenantId,
    connectionId,
    transactionId,
    vendor,
    operation,
    resourceType,
    class: cls,
    environment,
    outcome,
    billable,
    units,
    occurredAt: new Date(occurredAt),
    patientRefs,
  }));
}

/** An increment of one UsageRollup row. */
export interface RollupIncrement {
  tenantId: string;
  bucketStart: Date;
  connectionId: string;
  vendor: ConnectionVendor;
  operation: string;
  resourceType: string;
  class: string;
  environment: ConnectionEnvironment;
  outcome: TransactionOutcome;
  billable: boolean;
  count: number;
  units: number;
}

/** An increment of one UsagePeriodTotal row. */
export interface PeriodIncrement {
  tenantId: string;
  periodStart: Date;
  connectionId: string;
  class: string;
  environment: ConnectionEnvironment;
  billable: boolean;
  count: number;
  units: number;
}

/** A (tenant, period, patient token) row of UsagePeriodPatient. */
export interface PeriodPatient {
  tenantId: string;
  periodStart: Date;
  patientToken: string;
  /** The earliest occurredAt of the patient's billable events (in this batch, or in the period once stored). */
  firstSeenAt: Date;
}

export interface BatchIncrements {
  rollups: RollupIncrement[];
  periods: PeriodIncrement[];
  patients: PeriodPatient[];
}

/**
 * Period lookup for a batch: `billingPeriodAt` under each tenant's history, remembering the
 * last period found per tenant (a batch's events nearly all fall in the current period, and
 * a lookup formats dates in the tenant's zone).
 */
export class PeriodStarts {
  private readonly last = new Map<string, BillingPeriod>();

  constructor(private readonly histories: ReadonlyMap<string, readonly BillingTermsLike[]>) {}

  startOf(tenantId: string, at: Date): Date {
    const t = at.getTime();
    const cached = this.last.get(tenantId);
    if (cached && cached.start.getTime() <= t && t < cached.end.getTime()) return cached.start;
    const period = billingPeriodAt(this.histories.get(tenantId) ?? [], at);
    this.last.set(tenantId, period);
    return period.start;
  }
}

const SEP = '\u0000';

/**
 * Folds a batch of usage events into the increments of its rollup rows, period totals and
 * distinct-patient tokens: one row per key, so one upsert statement touches each row once.
 * Every event counts in the rollups and period totals (billable or not, class '' when it has
 * none); only billable events count their patients, each reference turned into its keyed
 * token by `tokenOf`, with the earliest occurredAt of the batch (events arrive in queue order,
 * not in the order they occurred).
 */
export function aggregateBatch(events: readonly ClaimedUsage[], periods: PeriodStarts, tokenOf: (tenantId: string, patientRef: string) => string): BatchIncrements {
  const rollups = new Map<string, RollupIncrement>();
  const totals = new Map<string, PeriodIncrement>();
  const patients = new Map<string, PeriodPatient>();
  for (const e of events) {
    const cls = e.class ?? '';
    const bucketStart = bucketStartOf(e.occurredAt);
    const rollupKey = [e.tenantId, bucketStart.getTime(), e.connectionId, e.operation, e.resourceType, cls, e.environment, e.outcome, e.billable].join(SEP);
    const rollup = rollups.get(rollupKey);
    if (rollup) {
      rollup.count += 1;
      rollup.units += e.units;
    } else {
      rollups.set(rollupKey, {
        tenantId: e.tenantId,
        bucketStart,
        connectionId: e.connectionId,
        vendor: e.vendor,
        operation: e.operation,
        resourceType: e.resourceType,
        class: cls,
        environment: e.environment,
        outcome: e.outcome,
        billable: e.billable,
        count: 1,
        units: e.units,
      });
    }
    const periodStart = periods.startOf(e.tenantId, e.occurredAt);
    const totalKey = [e.tenantId, periodStart.getTime(), e.connectionId, cls, e.environment, e.billable].join(SEP);
    const total = totals.get(totalKey);
    if (total) {
      total.count += 1;
      total.units += e.units;
    } else {
      totals.set(totalKey, { tenantId: e.tenantId, periodStart, connectionId: e.connectionId, class: cls, environment: e.environment, billable: e.billable, count: 1, units: e.units });
    }
    if (!e.billable) continue;
    for (const ref of e.patientRefs ?? []) {
      const patientToken = tokenOf(e.tenantId, ref);
      const patientKey = [e.tenantId, periodStart.getTime(), patientToken].join(SEP);
      const seen = patients.get(patientKey);
      if (!seen) patients.set(patientKey, { tenantId: e.tenantId, periodStart, patientToken, firstSeenAt: e.occurredAt });
      else if (e.occurredAt < seen.firstSeenAt) seen.firstSeenAt = e.occurredAt;
    }
  }
  return { rollups: [...rollups.values()], periods: [...totals.values()], patients: [...patients.values()] };
}
