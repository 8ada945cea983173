import { wallTimeOf } from '@sb/core';
import { groupDigits, type RatedLine } from '../rating';
import { renderPdf, type PdfTable } from './pdf-writer';

/** What the invoice PDF prints: the fields of a finalized invoice document it needs. */
export interface InvoicePdfInput {
  number: string;
  tenant: { id: string; name: string };
  period: { id: string; start: string; end: string; timezone: string };
  plan: { id: string; name: string; version: number } | null;
  currency: string;
  lines: readonly RatedLine[];
  subtotal: string;
  total: string;
  finalizedAt: string;
}

/** "2026-03-01 00:00" in the billing timezone (the period's own clock). */
function localTime(iso: string, timezone: string): string {
  const w = wallTimeOf(new Date(iso), timezone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}

function itemOf(line: RatedLine): string {
  switch (line.kind) {
    case 'usage':
      return `${line.class ?? ''}${line.model ? ` (${line.model})` : ''}`;
    case 'minimumTrueUp':
      return 'Minimum commitment true-up';
    case 'cap':
      return 'Cap';
    case 'correction':
      return `Correction: ${line.class ?? 'total'}${line.period ? ` (period ${line.period})` : ''}`;
  }
}

/** The table rows of one line: the line itself, then (tiered lines) one row per tier reached. */
function rowsOf(line: RatedLine): PdfTable['rows'] {
  const quantity = line.kind === 'usage' || line.kind === 'correction' ? groupDigits(line.quantity) : '';
  const rows: PdfTable['rows'] = [[itemOf(line), quantity, line.description, line.amount]];
  if (line.model === 'graduated' || line.model === 'volume') {
    for (const tier of line.tiers) {
      const range = `${groupDigits(tier.from)}-${tier.upTo === null ? 'and up' : groupDigits(tier.upTo)}`;
      rows.push(['', '', `units ${range}: ${groupDigits(tier.quantity)} x ${tier.unitPrice} = ${tier.amount}`, '']);
    }
  }
  return rows;
}

/**
 * The PDF of a finalized invoice: header (number, tenant, period in its timezone, plan version),
 * one row per line with its computation (and one per tier reached), subtotal and total, and
 * the SHA-256 of the canonical JSON it was rendered from, so a reader can check the document.
 */
export function renderInvoicePdf(invoice: InvoicePdfInput, sha256: string): Buffer {
  const { period } = invoice;
  const title = [
    `Invoice ${invoice.number}`,
    `Tenant: ${invoice.tenant.name} (${invoice.tenant.id})`,
    `Billing period ${period.id}: ${localTime(period.start, period.timezone)} to ${localTime(period.end, period.timezone)} (${period.timezone})`,
    invoice.plan ? `Plan: ${invoice.plan.name}, version ${invoice.plan.version}` : 'Plan: none',
    `Currency: ${invoice.currency}`,
    `Finalized: ${invoice.finalizedAt}`,
  ];
  const table: PdfTable = {
    columns: [
      { header: 'Item', width: 130 },
      { header: 'Quantity', width: 55, align: 'right' },
      { header: 'Computation', width: 220 },
      { header: `Amount (${invoice.currency})`, width: 90, align: 'right' },
    ],
    rows: [
      ...invoice.lines.flatMap(rowsOf),
      { cells: ['Subtotal (usage)', '', '', invoice.subtotal] },
      { cells: ['Total', '', '', invoice.total], bold: true },
    ],
  };
  const footer = [
    `Each line is rounded half-even to the minor unit of ${invoice.currency} once; the total is the exact sum of the lines. The period starts at its start time and ends just before its end time.`,
    'SHA-256 of the canonical JSON document:',
    sha256,
  ];
  return renderPdf({ title, table, footer, metadataTitle: `Invoice ${invoice.number}` });
}
