import { Injectable } from '@nestjs/common';
import { billingPeriodAt, billingPeriodById, ErrorCode, notFound, SbError, type BillingPeriod } from '@sb/core';
import { BillingPlanRepository, InvoiceRepository, type AdjustmentTotal, type DbTransaction, type InvoiceWithDocument, type TenantBillingTerms } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { correctionLines, rateDifference, ratePeriod, withExtraLines, type PlanDefinition, type RatedLine, type RatedPeriod } from '../rating';
import { periodView, type PeriodView } from '../plans/tenant-billing.service';
import { parseInvoiceDocument } from './invoice-document';
import { adjustmentUnitsByClass, connectionsOf, quantitiesFromTotals, type BilledQuantities } from './period-quantities';

/** The currency and amounts shown for a period without billing terms (nothing is priced). */
export const NO_TERMS_CURRENCY = 'USD';
export const NO_TERMS_TOTAL = '0';

/** A period's invoice: the draft while it is open or in its grace, the finalized one after. */
export interface InvoiceView {
  tenantId: string;
  status: 'draft' | 'final';
  /** The finalized invoice; null for a draft. */
  invoice: { id: string; number: string; sha256: string; finalizedAt: Date } | null;
  period: PeriodView;
  plan: { id: string; name: string; version: number } | null;
  currency: string;
  quantities: BilledQuantities;
  lines: RatedLine[];
  subtotal: string;
  total: string;
  /** Every usage event committed before this instant is in the figures. */
  dataRefreshedAt: Date;
  /** A draft as of this instant (usage before it only, no adjustments or corrections); null: the period as it stands. */
  asOf: Date | null;
}

/** A period resolved for a tenant, with the terms that bill it (null: nothing is priced). */
export type ResolvedPeriod = BillingPeriod & { terms: TenantBillingTerms | null };

/** What a period's figures are made of (for the reconciliation report). */
export interface PeriodQuantitiesReport {
  period: PeriodView;
  closed: boolean;
  /** From the period totals alone. */
  rolledUp: BilledQuantities;
  /** Signed unit deltas per class of the adjustments counted in the period (outstanding while open, carried by its invoice once closed). */
  adjustments: Record<string, number>;
  /** What the preview or invoice rates: rolled-up units plus adjustments. */
  quantities: BilledQuantities;
}

/** A draft computed in a transaction (the close) or not (the preview). */
export interface RatedDraft {
  quantities: BilledQuantities;
  definition: PlanDefinition;
  definitionHash: string;
  planName: string;
  lines: RatedLine[];
  subtotal: string;
  total: string;
}

/**
 * Invoice previews. Reads only small per-period tables (UsagePeriodTotal, UsagePeriodPatient,
 * UsageAdjustment, connections gone live) — never raw usage — so a preview costs the same for
 * ten events or ten million. The draft of an open period is its own usage plus its outstanding
 * adjustments, rated with the plan version of the period's terms, plus one correction line per
 * changed part of every already-closed period that has outstanding adjustments (that period
 * re-rated under its own invoice's plan version with and without them). The first invoice to
 * close carries those corrections.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly plans: BillingPlanRepository,
    private readonly invoices: InvoiceRepository,
    private readonly rollup: UsageRollupService,
  ) {}

  /** The period named by `ref` (`current`, `YYYY-MM` or a period id); 404 for an unknown or future one. */
  async resolve(tenantId: string, ref: string, now = new Date(), tx?: DbTransaction): Promise<ResolvedPeriod> {
    return resolvePeriod(await this.plans.terms(tenantId, tx), ref, now);
  }

  /** The draft (or, once closed, the finalized) invoice of a tenant's period. */
  async preview(tenantId: string, ref: string, now = new Date()): Promise<InvoiceView> {
    const [period, dataRefreshedAt] = await Promise.all([this.resolve(tenantId, ref, now), this.rollup.refreshedAt()]);
    const invoice = await this.invoices.forPeriod(tenantId, period.start);
    if (invoice) return { ...finalView(invoice), dataRefreshedAt, asOf: null };
    const view = { tenantId, status: 'draft' as const, invoice: null, period: periodView(period), dataRefreshedAt, asOf: null };
    if (!period.terms) {
      const quantities = await this.rolledUp(tenantId, period, []);
      return { ...view, plan: null, currency: NO_TERMS_CURRENCY, quantities, lines: [], subtotal: NO_TERMS_TOTAL, total: NO_TERMS_TOTAL };
    }
    const [own, corrections] = await Promise.all([
      this.invoices.adjustmentsOfPeriod(tenantId, period.start).then((rows) => rows.filter((r) => r.invoiceId === null)),
      this.invoices.outstandingOfClosedPeriods(tenantId),
    ]);
    const draft = await this.rate(tenantId, { ...period, terms: period.terms }, own, corrections);
    return {
      ...view,
      plan: { id: period.terms.planId, name: draft.planName, version: period.terms.planVersion },
      currency: draft.definition.currency,
      quantities: draft.quantities,
      lines: draft.lines,
      subtotal: draft.subtotal,
      total: draft.total,
    };
  }

  /**
   * The period's draft as it stood at `asOf` (in (start, end] of the period): usage of the
   * 15-minute rollups starting before `asOf`, patients first seen and connections gone live
   * before it, rated like any draft under the period's plan version. No adjustments and no
   * correction lines (they are not tied to an instant), and a closed period is rated afresh
   * from its rollups, not read from its invoice: what "spend at the same point" compares.
   */
  async previewAsOf(tenantId: string, ref: string, asOf: Date, now = new Date()): Promise<InvoiceView> {
    const [period, dataRefreshedAt] = await Promise.all([this.resolve(tenantId, ref, now), this.rollup.refreshedAt()]);
    if (!(asOf > period.start && asOf <= period.end)) {
      throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', {
        issues: [{ path: 'asOf', message: 'must be after the period’s start and not after its end' }],
        details: { period: { id: period.id, start: period.start.toISOString(), end: period.end.toISOString() } },
      });
    }
    const [totals, distinctPatients, newLiveConnections] = await Promise.all([
      this.invoices.usageTotalsBefore(tenantId, period.start, asOf),
      this.invoices.distinctPatientsBefore(tenantId, period.start, asOf),
      this.invoices.connectionsGoneLive(tenantId, period.start, asOf),
    ]);
    const quantities = quantitiesFromTotals(totals, [], [], { distinctPatients, newLiveConnections });
    const view = { tenantId, status: 'draft' as const, invoice: null, period: periodView(period), dataRefreshedAt, asOf, quantities };
    if (!period.terms) return { ...view, plan: null, currency: NO_TERMS_CURRENCY, lines: [], subtotal: NO_TERMS_TOTAL, total: NO_TERMS_TOTAL };
    const priced = await this.price(period.terms, quantities);
    return {
      ...view,
      plan: { id: period.terms.planId, name: priced.planName, version: period.terms.planVersion },
      currency: priced.definition.currency,
      lines: priced.rated.lines,
      subtotal: priced.rated.subtotal,
      total: priced.rated.total,
    };
  }

  /** What a period's figures are made of: rolled-up quantities, adjustments, and their sum. */
  async quantitiesOf(tenantId: string, ref: string, now = new Date()): Promise<PeriodQuantitiesReport> {
    const period = await this.resolve(tenantId, ref, now);
    const invoice = await this.invoices.forPeriod(tenantId, period.start);
    const adjustments = (await this.invoices.adjustmentsOfPeriod(tenantId, period.start)).filter((a) => (invoice ? a.invoiceId === invoice.id : a.invoiceId === null));
    const [rolledUp, quantities] = await Promise.all([this.rolledUp(tenantId, period, []), this.rolledUp(tenantId, period, adjustments)]);
    return { period: periodView(period), closed: invoice !== null, rolledUp, adjustments: adjustmentUnitsByClass(adjustments), quantities };
  }

  /**
   * Rates a period with terms: its usage plus `own` adjustments, and correction lines for the
   * closed periods of `corrections`. In the close, `tx` is its transaction and
   * `closingInvoiceId` the invoice being written (its adjustments are not yet "billed before").
   */
  async rate(
    tenantId: string,
    period: BillingPeriod & { terms: TenantBillingTerms },
    own: readonly AdjustmentTotal[],
    corrections: readonly AdjustmentTotal[],
    options: { tx?: DbTransaction; closingInvoiceId?: string } = {},
  ): Promise<RatedDraft> {
    const { tx } = options;
    const quantities = await this.rolledUp(tenantId, period, own, tx);
    const { definition, definitionHash, planName, rated } = await this.price(period.terms, quantities, tx);
    const extra = await this.correctionsFor(tenantId, corrections, options);
    const all = withExtraLines(rated, extra);
    return { quantities, definition, definitionHash, planName, lines: all.lines, subtotal: all.subtotal, total: all.total };
  }

  /** Quantities rated under the plan version of the terms: the one way a draft is priced. */
  private async price(
    terms: TenantBillingTerms,
    quantities: BilledQuantities,
    tx?: DbTransaction,
  ): Promise<{ definition: PlanDefinition; definitionHash: string; planName: string; rated: RatedPeriod }> {
    const version = await this.plans.findVersion(terms.planId, terms.planVersion, tx);
    const plan = await this.plans.findPlan(terms.planId, tx);
    if (!version || !plan) throw new Error(`plan version ${terms.planId}@${terms.planVersion} of tenant terms is missing`);
    const definition = version.definition as PlanDefinition;
    return { definition, definitionHash: version.definitionHash, planName: plan.name, rated: ratePeriod(definition, quantities) };
  }

  /** Quantities of a period: rolled-up usage with the given adjustments, distinct patients and connections gone live. */
  private async rolledUp(tenantId: string, period: BillingPeriod, adjustments: readonly AdjustmentTotal[], tx?: DbTransaction): Promise<BilledQuantities> {
    const touched = connectionsOf(adjustments);
    const reads = [
      () => this.invoices.periodTotals(tenantId, period.start, tx),
      () => this.invoices.periodUsageOf(tenantId, period.start, touched, tx),
      () => this.invoices.distinctPatients(tenantId, period.start, tx),
      () => this.invoices.connectionsGoneLive(tenantId, period.start, period.end, tx),
    ] as const;
    // One transaction is one connection: its reads go one after another; outside one they run in parallel.
    const [totals, rows, distinctPatients, newLiveConnections] = tx
      ? [await reads[0](), await reads[1](), await reads[2](), await reads[3]()]
      : await Promise.all([reads[0](), reads[1](), reads[2](), reads[3]()]);
    return quantitiesFromTotals(totals, rows, adjustments, { distinctPatients, newLiveConnections });
  }

  /** One group of correction lines per closed period with outstanding adjustments, oldest period first. */
  private async correctionsFor(tenantId: string, corrections: readonly AdjustmentTotal[], options: { tx?: DbTransaction; closingInvoiceId?: string }): Promise<RatedLine[]> {
    const { tx, closingInvoiceId } = options;
    const byPeriod = new Map<number, AdjustmentTotal[]>();
    for (const c of corrections) {
      const list = byPeriod.get(c.periodStart.getTime());
      if (list) list.push(c);
      else byPeriod.set(c.periodStart.getTime(), [c]);
    }
    const lines: RatedLine[] = [];
    for (const start of [...byPeriod.keys()].sort((a, b) => a - b)) {
      const periodStart = new Date(start);
      const invoice = await this.invoices.forPeriod(tenantId, periodStart, tx);
      if (!invoice) continue; // not closed after all: its adjustments count in its own draft
      const version = await this.plans.findVersion(invoice.planId, invoice.planVersion, tx);
      if (!version) throw new Error(`plan version ${invoice.planId}@${invoice.planVersion} of invoice ${invoice.number} is missing`);
      const billed = parseInvoiceDocument(invoice.document).quantities;
      const carried = (await this.invoices.adjustmentsOfPeriod(tenantId, periodStart, tx)).filter((a) => a.invoiceId !== null && a.invoiceId !== closingInvoiceId);
      const outstanding = byPeriod.get(start) ?? [];
      const totals = await this.invoices.periodTotals(tenantId, periodStart, tx);
      const touched = await this.invoices.periodUsageOf(tenantId, periodStart, connectionsOf([...carried, ...outstanding]), tx);
      const counts = { distinctPatients: billed.distinctPatients, newLiveConnections: billed.newLiveConnections };
      const before = quantitiesFromTotals(totals, touched, carried, counts);
      const after = quantitiesFromTotals(totals, touched, [...carried, ...outstanding], counts);
      const difference = rateDifference(version.definition as PlanDefinition, before, after);
      lines.push(...correctionLines(difference, { invoiceId: invoice.id, invoiceNumber: invoice.number, period: invoice.periodId }));
    }
    return lines;
  }
}

/** `current`, or a period id (`YYYY-MM`, `YYYY-MM-DD`, …) of the tenant's history; a future or unknown period is a 404. */
export function resolvePeriod(history: readonly TenantBillingTerms[], ref: string, now: Date): ResolvedPeriod {
  const period = ref === 'current' ? billingPeriodAt(history, now) : billingPeriodById(history, ref);
  if (!period || period.start > now) throw notFound('Billing period');
  return period;
}

/** A finalized invoice as a view (its stored document, never recomputed). */
export function finalView(invoice: InvoiceWithDocument): Omit<InvoiceView, 'dataRefreshedAt' | 'asOf'> {
  const doc = parseInvoiceDocument(invoice.document);
  return {
    tenantId: invoice.tenantId,
    status: 'final',
    invoice: { id: invoice.id, number: invoice.number, sha256: invoice.sha256, finalizedAt: invoice.finalizedAt },
    period: { id: invoice.periodId, start: invoice.periodStart, end: invoice.periodEnd, timezone: invoice.timezone },
    plan: { id: doc.plan.id, name: doc.plan.name, version: doc.plan.version },
    currency: doc.currency,
    quantities: doc.quantities,
    lines: doc.lines,
    subtotal: doc.subtotal,
    total: doc.total,
  };
}
