/**
 * Shapes of the metering and billing routes (plan of issue 12). PROVISIONAL: written from the
 * shared plan while the routes are being built; each becomes `ResponseOf<…>` from the generated
 * openapi.d.ts (see ../api/types.ts) once the route is in it.
 */
import type { UsageWindow } from './time-zones';

export type IsoDateTime = string;

// ---- GET /v1/usage -------------------------------------------------------------------------

export type UsageSeriesGroup = 'connection' | 'class';

export interface UsageWindowRow {
  start: IsoDateTime;
  end: IsoDateTime;
  connectionId?: string;
  connectionName?: string | null;
  class?: string | null;
  billable?: boolean;
  count: number;
  units: number;
}

export interface UsageWindowPage {
  data: UsageWindowRow[];
  next: string | null;
  dataRefreshedAt: IsoDateTime;
  timezone?: string;
}

export interface UsageWindowQuery {
  from: IsoDateTime;
  to: IsoDateTime;
  window: UsageWindow;
  /** Dimensions, comma-separated (`connection,billable`). */
  groupBy: string;
  timezone: string;
}

// ---- tenant billing terms -----------------------------------------------------------------

export interface BillingTerms {
  tenantId: string;
  planId: string;
  planVersion: number;
  timezone: string;
  anchorDay: number;
  currency: string;
  graceMinutes: number;
  effectiveFrom: IsoDateTime;
}

export interface BillingPeriodView {
  id: string;
  start: IsoDateTime;
  end: IsoDateTime;
  timezone?: string;
}

export interface TenantBillingView {
  current: BillingTerms | null;
  history: BillingTerms[];
  currentPeriod: BillingPeriodView;
}

// ---- invoices --------------------------------------------------------------------------------

export interface RatedTier {
  from: number;
  upTo: number | null;
  quantity: number;
  unitPrice: string;
  amount: string;
}

export type RatedLineKind = 'usage' | 'minimumTrueUp' | 'cap' | 'correction';

export interface RatedLine {
  kind: RatedLineKind;
  class: string | null;
  model?: string;
  quantity: number;
  includedUnits?: number;
  tiers: RatedTier[];
  amount: string;
  description: string;
  /** Correction lines: the invoice (and its period) the corrected usage was billed on. */
  invoiceId?: string | null;
  invoiceNumber?: string | null;
  period?: string | null;
}

export interface InvoicePreview {
  tenantId: string;
  status: 'draft';
  period: { id: string; start: IsoDateTime; end: IsoDateTime; timezone: string };
  plan: { id: string; name: string; version: number } | null;
  currency: string;
  /** Billable units per class, and the period's counts. */
  quantities: { usage: Partial<Record<string, number>>; activeConnections?: number; distinctPatients?: number; newLiveConnections?: number };
  lines: RatedLine[];
  subtotal: string;
  total: string;
  dataRefreshedAt: IsoDateTime;
}

export interface InvoiceSummary {
  id: string;
  number: string;
  periodId: string;
  periodStart: IsoDateTime;
  periodEnd: IsoDateTime;
  timezone: string;
  currency: string;
  total: string;
  planId: string;
  planVersion: number;
  finalizedAt: IsoDateTime;
}

// ---- adjustments and alerts -----------------------------------------------------------------

export interface UsageAdjustment {
  id: string;
  requestId: string;
  transactionId: string;
  connectionId: string;
  class: string;
  action: string;
  unitsDelta: number;
  reason: string;
  occurredAt: IsoDateTime;
  periodStart: IsoDateTime;
  createdAt: IsoDateTime;
  invoiceId: string | null;
}

export type AlertMetric = 'units' | 'amount' | 'includedPercent' | 'projectedSpend';

export interface UsageAlertRule {
  id: string;
  name: string;
  metric: AlertMetric;
  threshold: string;
  connectionId: string | null;
  class: string | null;
  createdAt: IsoDateTime;
}

export interface NewUsageAlertRule {
  name: string;
  metric: AlertMetric;
  threshold: string;
  connectionId?: string;
  class?: string;
}
