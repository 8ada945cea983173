import type { RatedLine } from '../rating';
import type { BilledQuantities } from './period-quantities';

/**
 * The finalized invoice as stored: its canonical JSON is what `Invoice.document` holds and
 * what `Invoice.sha256` hashes; the PDF is rendered from it. Instants are ISO 8601 UTC.
 */
export interface InvoiceDocument {
  number: string;
  tenant: { id: string; name: string };
  period: { id: string; start: string; end: string; timezone: string };
  plan: { id: string; name: string; version: number; definitionHash: string };
  currency: string;
  /** What was rated: billable units per class (adjustments included) and the per-period counts. */
  quantities: BilledQuantities;
  lines: RatedLine[];
  /** The period's own usage lines. */
  subtotal: string;
  /** The exact sum of every line (usage, minimum true-up, cap, corrections). */
  total: string;
  finalizedAt: string;
}

/** The stored document back as data (it was written by {@link InvoiceDocument}'s canonical JSON). */
export const parseInvoiceDocument = (json: string): InvoiceDocument => JSON.parse(json) as InvoiceDocument;

/** `SB-000001`: the installation-wide gapless counter, zero-padded to six digits (more when it outgrows them). */
export const invoiceNumber = (n: bigint): string => `SB-${n.toString().padStart(6, '0')}`;
