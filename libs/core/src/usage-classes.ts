/** The billable transaction classes: one unit per successful transaction (a bulk export: per resource exported). */
export const TRANSACTION_CLASSES = ['fhir.read', 'fhir.search', 'fhir.write', 'hl7.in', 'hl7.out', 'bulk.resource', 'smart.launch'] as const;
export type TransactionClass = (typeof TRANSACTION_CLASSES)[number];

/** Counted per billing period rather than per transaction. */
export const PERIOD_CLASSES = ['activeConnection', 'distinctPatient', 'connectionGoLive'] as const;
export type PeriodClass = (typeof PERIOD_CLASSES)[number];

/** Why a transaction is not billable; it is still counted, as non-billable usage. */
export const NON_BILLABLE_REASONS = ['failed', 'sandbox', 'duplicate', 'unclassified'] as const;
export type NonBillableReason = (typeof NON_BILLABLE_REASONS)[number];

const CLASS_OF_OPERATION: Readonly<Record<string, TransactionClass>> = {
  read: 'fhir.read',
  search: 'fhir.search',
  create: 'fhir.write',
  update: 'fhir.write',
  delete: 'fhir.write',
  'message.in': 'hl7.in',
  'message.out': 'hl7.out',
  'bulk-export': 'bulk.resource',
  'smart-launch': 'smart.launch',
};

export interface UsageClassification {
  class: TransactionClass | null;
  billable: boolean;
  nonBillableReason: NonBillableReason | null;
}

/**
 * The one rule for what a transaction bills: its class comes from the operation; it is
 * billable only when it succeeded, on a production connection, and was not a duplicate
 * (an HL7 resend, an `Idempotency-Key` replay). The first reason that applies is kept.
 */
export function classifyUsage(input: { operation: string; outcome: 'success' | 'error'; environment: 'sandbox' | 'production'; duplicate?: boolean }): UsageClassification {
  const cls = CLASS_OF_OPERATION[input.operation] ?? null;
  const reason: NonBillableReason | null =
    input.outcome === 'error' ? 'failed' : input.duplicate ? 'duplicate' : input.environment === 'sandbox' ? 'sandbox' : cls === null ? 'unclassified' : null;
  return { class: cls, billable: reason === null, nonBillableReason: reason };
}
