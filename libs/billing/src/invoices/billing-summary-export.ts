import { Injectable } from '@nestjs/common';
import { billingPeriodAt, wallTimeOf, type BillingPeriod } from '@sb/core';
import { BillingPlanRepository, InvoiceRepository, type TenantBillingTerms } from '@sb/db';
import type { RatedLine } from '../rating';
import { parseInvoiceDocument } from './invoice-document';
import { PreviewService } from './preview.service';

/** The summary export's columns, in order. */
export const BILLING_SUMMARY_COLUMNS = [
  'period_id',
  'period_start',
  'period_end',
  'line_kind',
  'class',
  'quantity',
  'included_units',
  'tier_from',
  'tier_up_to',
  'tier_quantity',
  'unit_price',
  'tier_amount',
  'line_amount',
  'currency',
  'invoice_number',
] as const;

/** Periods one export covers at most (a range of years of monthly periods fits). */
const MAX_PERIODS = 400;

/**
 * The billing summary as CSV (RFC 4180: CRLF, fields quoted when they hold a comma, quote or
 * line break): one row per tier of each invoice line of every period with billing terms whose
 * start is in [from, to) and that has begun, finalized invoices as stored and open periods as
 * their current draft (empty `invoice_number`). A line without tiers (a zero line, true-up,
 * cap, correction) is one row with empty tier columns. `line_amount` is on a line's first row
 * only, so the `line_amount`s of a period sum to its invoice total exactly. Period bounds are
 * ISO 8601 with the offset of the billing timezone. No patient data exists at this level.
 */
@Injectable()
export class BillingSummaryExport {
  constructor(
    private readonly plans: BillingPlanRepository,
    private readonly invoices: InvoiceRepository,
    private readonly previews: PreviewService,
  ) {}

  async csv(tenantId: string, range: { from: Date; to: Date }, now = new Date()): Promise<string> {
    const history = await this.plans.terms(tenantId);
    const invoices = new Map((await this.invoices.inRange(tenantId, range.from, range.to)).map((i) => [i.periodStart.getTime(), i]));
    const rows: string[] = [BILLING_SUMMARY_COLUMNS.join(',')];
    for (const period of periodsStartingIn(history, range, now)) {
      const timezone = period.terms.timezone;
      const head = [period.id, isoInZone(period.start, timezone), isoInZone(period.end, timezone)];
      const invoice = invoices.get(period.start.getTime());
      let lines: RatedLine[];
      let currency: string;
      let number = '';
      if (invoice) {
        const doc = parseInvoiceDocument(invoice.document);
        [lines, currency, number] = [doc.lines, doc.currency, invoice.number];
      } else {
        const draft = await this.draftOf(tenantId, period);
        [lines, currency] = [draft.lines, draft.definition.currency];
      }
      for (const line of lines) for (const row of lineRows(line)) rows.push(csvRow([...head, ...row, currency, number]));
    }
    return rows.join('\r\n') + '\r\n';
  }

  private async draftOf(tenantId: string, period: BillingPeriod & { terms: TenantBillingTerms }) {
    const own = (await this.invoices.adjustmentsOfPeriod(tenantId, period.start)).filter((a) => a.invoiceId === null);
    const corrections = await this.invoices.outstandingOfClosedPeriods(tenantId);
    return this.previews.rate(tenantId, period, own, corrections);
  }
}

/** A line's rows: kind … tier columns … line_amount (on the first row only). */
function lineRows(line: RatedLine): string[][] {
  const lead = [line.kind, line.class ?? '', String(line.quantity), line.includedUnits === undefined ? '' : String(line.includedUnits)];
  if (line.tiers.length === 0) return [[...lead, '', '', '', '', '', line.amount]];
  return line.tiers.map((t, i) => [...lead, String(t.from), t.upTo === null ? '' : String(t.upTo), String(t.quantity), t.unitPrice, t.amount, i === 0 ? line.amount : '']);
}

/** Periods with terms whose start is in [from, to) and not after `now`, in order. */
export function periodsStartingIn(history: readonly TenantBillingTerms[], range: { from: Date; to: Date }, now: Date): (BillingPeriod & { terms: TenantBillingTerms })[] {
  const out: (BillingPeriod & { terms: TenantBillingTerms })[] = [];
  let period = billingPeriodAt(history, range.from);
  if (period.start < range.from) period = billingPeriodAt(history, period.end);
  while (period.start < range.to && period.start <= now && out.length < MAX_PERIODS) {
    if (period.terms) out.push({ ...period, terms: period.terms });
    period = billingPeriodAt(history, period.end);
  }
  return out;
}

/** RFC 4180 field quoting. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const csvRow = (fields: readonly string[]): string => fields.map(csvField).join(',');

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `2026-03-01T00:00:00-05:00`: the instant as the billing zone's wall clock with its offset. */
export function isoInZone(instant: Date, timezone: string): string {
  const w = wallTimeOf(instant, timezone);
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const offsetMinutes = Math.round((wallMs - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = offsetMinutes === 0 ? 'Z' : `${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${offset}`;
}
