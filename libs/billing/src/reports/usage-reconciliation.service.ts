import { Injectable } from '@nestjs/common';
import { billingPeriodAt, type BillingPeriod } from '@sb/core';
import {
  BillingPlanRepository,
  InvoiceRepository,
  UsageReconciliationRepository,
  type AdjustmentRow,
  type BucketDifference,
  type PeriodTotalDifference,
} from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { quantitiesFrom, type BilledQuantities } from '../invoices/period-quantities';
import { PreviewService } from '../invoices/preview.service';
import { ceilToBucket, floorToBucket } from './usage-query.service';

/**
 * The operations the transaction pipeline writes a usage event and audit records for (the
 * calls of `@sb/transactions`, and SMART launches when they land). Other audit records (admin
 * changes, vault reads, billing) have no usage event by design.
 */
export const PIPELINE_OPERATIONS = ['read', 'search', 'create', 'update', 'delete', 'echo', 'message.in', 'message.out', 'bulk-export', 'smart-launch'] as const;
/** Entries per list of differences; the report says when a list was cut. */
export const RECONCILIATION_LIST_LIMIT = 1_000;
/** Periods one report compares at most (62 days cross at most a few, even with changes of terms). */
const MAX_PERIODS = 8;

/** A billed quantity of a period that does not equal what the raw usage gives. */
export interface PreviewDifference {
  periodId: string;
  /** A class (`fhir.read`, …) or a per-period count (`activeConnection`, `distinctPatient`, `connectionGoLive`). */
  quantity: string;
  preview: number | null;
  expected: number;
}

/** An adjustment: a known, reasoned difference between raw usage and what is billed. */
export interface ExplainedDifference extends AdjustmentRow {
  periodId: string;
}

export interface ReconciliationReport {
  status: 'balanced' | 'unbalanced';
  tenantId: string;
  /** The range recomputed (the query's, widened to 15-minute boundaries). */
  from: Date;
  to: Date;
  dataRefreshedAt: Date;
  usageEvents: number;
  auditTransactions: number;
  /** Rollup bucket keys compared. */
  buckets: number;
  /** Billing periods overlapping the range: their totals, patients and previews are compared whole. */
  periods: BillingPeriod[];
  /** Usage events not rolled up yet: left out of both sides of every comparison. */
  pending: { count: number; transactionIds: string[] };
  /** Adjustments of those periods, with their reasons: differences that are explained, not errors. */
  explained: ExplainedDifference[];
  differences: {
    missingUsage: string[];
    extraUsage: string[];
    mismatched: string[];
    buckets: (Omit<BucketDifference, 'class'> & { class: string | null })[];
    periodTotals: (Omit<PeriodTotalDifference, 'class'> & { periodId: string; class: string | null })[];
    distinctPatients: { periodId: string; stored: number; recount: number }[];
    preview: PreviewDifference[];
    /** Some list was cut at {@link RECONCILIATION_LIST_LIMIT} entries. */
    truncated: boolean;
  };
}

const classOrNull = (c: string): string | null => (c === '' ? null : c);

/**
 * Recomputes a tenant's usage from the two raw records written in the same statement (usage
 * events and audit records) and compares every derived figure with it: the 15-minute rollups,
 * the period totals and distinct patients, and the quantities the invoice preview bills. It
 * lists exactly the transactions, buckets and figures that differ; adjustments are listed as
 * explained differences.
 */
@Injectable()
export class UsageReconciliationService {
  constructor(
    private readonly recon: UsageReconciliationRepository,
    private readonly plans: BillingPlanRepository,
    private readonly invoices: InvoiceRepository,
    private readonly previews: PreviewService,
    private readonly rollup: UsageRollupService,
  ) {}

  async reconcile(tenantId: string, query: { from: Date; to: Date }, now = new Date()): Promise<ReconciliationReport> {
    const range = { from: floorToBucket(query.from), to: ceilToBucket(query.to) };
    const limit = RECONCILIATION_LIST_LIMIT;
    const dataRefreshedAt = await this.rollup.refreshedAt();
    const history = await this.plans.terms(tenantId);
    const periods = periodsOverlapping(history, range);
    const periodId = new Map(periods.map((p) => [p.start.getTime(), p.id]));
    const idOf = (start: Date) => periodId.get(start.getTime()) ?? start.toISOString();
    const periodRanges = periods.map((p) => ({ from: p.start, to: p.end }));

    const [audit, pending, buckets, totals, patients, adjustments] = await Promise.all([
      this.recon.auditVersusUsage(tenantId, range, PIPELINE_OPERATIONS, limit),
      this.recon.pending(tenantId, range, limit),
      this.recon.bucketsVersusRecount(tenantId, range, limit),
      this.recon.periodTotalsVersusRecount(tenantId, periodRanges, limit),
      this.recon.patientsVersusRecount(tenantId, periodRanges),
      this.recon.adjustments(tenantId, periods.map((p) => p.start)),
    ]);
    let preview = await this.previewDifferences(tenantId, periods, totals.billable, patients, adjustments, now);
    if (preview.length > 0) {
      // The rollup may have committed between the recount and the preview: look once more.
      const [again, patientsAgain] = await Promise.all([this.recon.periodTotalsVersusRecount(tenantId, periodRanges, limit), this.recon.patientsVersusRecount(tenantId, periodRanges)]);
      preview = await this.previewDifferences(tenantId, periods, again.billable, patientsAgain, adjustments, now);
    }

    const differences: ReconciliationReport['differences'] = {
      missingUsage: audit.missingUsage,
      extraUsage: audit.extraUsage,
      mismatched: audit.mismatched,
      buckets: buckets.differences.map((b) => ({ ...b, class: classOrNull(b.class) })),
      periodTotals: totals.differences.map((t) => ({ periodId: idOf(t.periodStart), ...t, class: classOrNull(t.class) })),
      distinctPatients: patients.filter((p) => p.stored !== p.recount).map((p) => ({ periodId: idOf(p.periodStart), stored: p.stored, recount: p.recount })),
      preview,
      truncated: [audit.missingUsage, audit.extraUsage, audit.mismatched, buckets.differences, totals.differences].some((l) => l.length >= limit),
    };
    const balanced =
      differences.missingUsage.length + differences.extraUsage.length + differences.mismatched.length + differences.buckets.length +
        differences.periodTotals.length + differences.distinctPatients.length + differences.preview.length ===
      0;
    return {
      status: balanced ? 'balanced' : 'unbalanced',
      tenantId,
      ...range,
      dataRefreshedAt,
      usageEvents: audit.usageEvents,
      auditTransactions: audit.auditTransactions,
      buckets: buckets.compared,
      periods: periods.map((p) => ({ id: p.id, start: p.start, end: p.end })),
      pending,
      explained: adjustments.map((a) => ({ ...a, periodId: idOf(a.periodStart) })),
      differences,
    };
  }

  /**
   * The quantities the preview (or the period's final invoice) bills, against the same
   * quantities derived from the recount plus the adjustments the preview counts.
   */
  private async previewDifferences(
    tenantId: string,
    periods: readonly BillingPeriod[],
    billable: readonly { periodStart: Date; connectionId: string; class: string; units: number }[],
    patients: readonly { periodStart: Date; recount: number }[],
    adjustments: readonly AdjustmentRow[],
    now: Date,
  ): Promise<PreviewDifference[]> {
    const out: PreviewDifference[] = [];
    for (const period of periods) {
      if (period.start > now) continue; // not begun: nothing to preview
      const start = period.start.getTime();
      const view = await this.previews.preview(tenantId, period.id, now);
      const carriedBy = view.invoice?.id ?? null;
      const counted = adjustments.filter((a) => a.periodStart.getTime() === start && a.environment === 'production' && a.invoiceId === carriedBy);
      const expected = quantitiesFrom(
        billable.filter((b) => b.periodStart.getTime() === start),
        counted,
        {
          distinctPatients: patients.find((p) => p.periodStart.getTime() === start)?.recount ?? 0,
          newLiveConnections: await this.invoices.connectionsGoneLive(tenantId, period.start, period.end),
        },
      );
      out.push(...compareQuantities(period.id, view.quantities, expected));
    }
    return out;
  }
}

/** Each quantity that differs, by the names plans price them under. */
export function compareQuantities(periodId: string, billed: BilledQuantities, expected: BilledQuantities): PreviewDifference[] {
  const out: PreviewDifference[] = [];
  for (const cls of new Set([...Object.keys(billed.usage), ...Object.keys(expected.usage)])) {
    const b = billed.usage[cls] ?? 0;
    const e = expected.usage[cls] ?? 0;
    if (b !== e) out.push({ periodId, quantity: cls, preview: billed.usage[cls] ?? null, expected: e });
  }
  const counts = [
    ['activeConnection', billed.activeConnections, expected.activeConnections],
    ['distinctPatient', billed.distinctPatients, expected.distinctPatients],
    ['connectionGoLive', billed.newLiveConnections, expected.newLiveConnections],
  ] as const;
  for (const [quantity, b, e] of counts) if (b !== e) out.push({ periodId, quantity, preview: b, expected: e });
  return out;
}

/** The billing periods of the tenant's history that overlap `[from, to)`, in order. */
export function periodsOverlapping<T extends Parameters<typeof billingPeriodAt>[0][number]>(history: readonly T[], range: { from: Date; to: Date }): BillingPeriod[] {
  const out: BillingPeriod[] = [];
  let period = billingPeriodAt(history, range.from);
  while (period.start < range.to && out.length < MAX_PERIODS) {
    out.push({ id: period.id, start: period.start, end: period.end });
    period = billingPeriodAt(history, period.end);
  }
  return out;
}
