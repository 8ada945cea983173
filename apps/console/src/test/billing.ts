/**
 * Fixtures of the finance pages' API answers (shapes of issue 12's routes): a Growth plan in
 * Asia/Kathmandu, period 2026-12 (local midnight of Dec 1 = 2026-11-30T18:15Z), and its
 * previous period 2026-11.
 */
import type { InvoiceSummary, InvoiceView, UsageAdjustment, UsageAlertRule, UsageWindowPage, UsageWindowRow } from '../api/types';
import { json, type FakeApi } from './fake-api';

export const EPIC = '11111111-0000-4000-8000-000000000001';
export const HL7 = '11111111-0000-4000-8000-000000000002';
export const INV_NOV = '22222222-0000-4000-8000-000000000011';
export const INV_OCT = '22222222-0000-4000-8000-000000000010';

export const DEC = { id: '2026-12', start: '2026-11-30T18:15:00.000Z', end: '2026-12-31T18:15:00.000Z', timezone: 'Asia/Kathmandu' };
export const NOV = { id: '2026-11', start: '2026-10-31T18:15:00.000Z', end: '2026-11-30T18:15:00.000Z', timezone: 'Asia/Kathmandu' };

export function preview(overrides: Partial<InvoiceView> = {}): InvoiceView {
  return {
    tenantId: 't-1',
    status: 'draft',
    invoice: null,
    period: DEC,
    plan: { id: 'p-1', name: 'Growth', version: 2 },
    currency: 'USD',
    quantities: { usage: { 'fhir.read': 15_000, 'hl7.in': 1_200 }, activeConnections: 2, distinctPatients: 340, newLiveConnections: 0 },
    lines: [
      {
        kind: 'usage',
        class: 'fhir.read',
        model: 'graduated',
        quantity: 15_000,
        tiers: [
          { from: 1, upTo: 1000, quantity: 1000, unitPrice: '0.10', amount: '100.00' },
          { from: 1001, upTo: 10000, quantity: 9000, unitPrice: '0.05', amount: '450.00' },
          { from: 10001, upTo: null, quantity: 5000, unitPrice: '0.01', amount: '50.00' },
        ],
        amount: '600.00',
        description: '1,000 × 0.10 + 9,000 × 0.05 + 5,000 × 0.01',
      },
      {
        kind: 'usage',
        class: 'hl7.in',
        model: 'unit',
        quantity: 1200,
        includedUnits: 1000,
        tiers: [{ from: 1, upTo: null, quantity: 200, unitPrice: '0.0125', amount: '2.50' }],
        amount: '2.50',
        description: '1,200 − 1,000 included = 200: 200 × 0.0125',
      },
      {
        kind: 'correction',
        class: 'fhir.read',
        model: 'graduated',
        quantity: -100,
        tiers: [],
        amount: '-1.00',
        description: 'void of 100 fhir.read units billed on invoice SB-000007 (2026-11)',
        invoiceId: INV_NOV,
        period: '2026-11',
      },
      { kind: 'cap', class: null, quantity: 1, tiers: [], amount: '-101.50', description: 'cap $500.00 − usage $601.50 = -$101.50' },
    ],
    subtotal: '601.50',
    total: '499.00',
    dataRefreshedAt: '2026-12-15T09:29:58.000Z',
    asOf: null,
    ...overrides,
  };
}

export const lastPreview = (): InvoiceView =>
  preview({ period: NOV, quantities: { usage: { 'fhir.read': 9000 }, activeConnections: 1, distinctPatients: 200, newLiveConnections: 0 }, lines: [], subtotal: '410.00', total: '410.00', dataRefreshedAt: '2026-12-15T09:29:58.000Z' });

/** November as of the same point as now in December (14 days 15:30 in): what it had spent then. */
export const lastPreviewAsOf = (asOf: string): InvoiceView =>
  preview({ period: NOV, quantities: { usage: { 'fhir.read': 7000 }, activeConnections: 1, distinctPatients: 150, newLiveConnections: 0 }, lines: [], subtotal: '380.00', total: '380.00', asOf });

export const invoices: InvoiceSummary[] = [
  { id: INV_NOV, tenantId: 't-1', number: 'SB-000007', period: NOV, currency: 'USD', total: '410.00', planId: 'p-1', planVersion: 2, sha256: 'ab'.repeat(32), finalizedAt: '2026-11-30T19:15:00.000Z' },
  {
    id: INV_OCT,
    tenantId: 't-1',
    number: 'SB-000003',
    period: { id: '2026-10', start: '2026-09-30T18:15:00.000Z', end: NOV.start, timezone: 'Asia/Kathmandu' },
    currency: 'USD',
    total: '50.00',
    planId: 'p-1',
    planVersion: 1,
    sha256: 'cd'.repeat(32),
    finalizedAt: '2026-10-31T19:15:00.000Z',
  },
];

/** Three Kathmandu days of billable usage on two connections (what /v1/usage answers by connection,billable). */
export const usageByConnection: UsageWindowRow[] = [
  { start: '2026-11-30T18:15:00.000Z', end: '2026-12-01T18:15:00.000Z', connectionId: EPIC, connectionName: 'St. Mary’s Epic', billable: true, count: 700, units: 700 },
  { start: '2026-11-30T18:15:00.000Z', end: '2026-12-01T18:15:00.000Z', connectionId: EPIC, connectionName: 'St. Mary’s Epic', billable: false, count: 9, units: 9 },
  { start: '2026-11-30T18:15:00.000Z', end: '2026-12-01T18:15:00.000Z', connectionId: HL7, connectionName: 'County HL7', billable: true, count: 40, units: 40 },
  { start: '2026-12-01T18:15:00.000Z', end: '2026-12-02T18:15:00.000Z', connectionId: EPIC, connectionName: 'St. Mary’s Epic', billable: true, count: 1200, units: 1200 },
  { start: '2026-12-02T18:15:00.000Z', end: '2026-12-03T18:15:00.000Z', connectionId: HL7, connectionName: 'County HL7', billable: true, count: 1160, units: 1160 },
];

export const usageByClass: UsageWindowRow[] = [
  { start: '2026-11-30T18:15:00.000Z', end: '2026-12-01T18:15:00.000Z', class: 'fhir.read', billable: true, count: 700, units: 700 },
  { start: '2026-11-30T18:15:00.000Z', end: '2026-12-01T18:15:00.000Z', class: 'hl7.in', billable: true, count: 40, units: 40 },
  { start: '2026-11-30T18:15:00.000Z', end: '2026-12-01T18:15:00.000Z', class: null, billable: false, count: 12, units: 12 },
  { start: '2026-12-01T18:15:00.000Z', end: '2026-12-02T18:15:00.000Z', class: 'fhir.read', billable: true, count: 1200, units: 1200 },
  { start: '2026-12-02T18:15:00.000Z', end: '2026-12-03T18:15:00.000Z', class: 'hl7.in', billable: true, count: 1160, units: 1160 },
];

export const page = (data: UsageWindowRow[], next: string | null = null, timezone = 'Asia/Kathmandu'): UsageWindowPage => ({
  data,
  next,
  dataRefreshedAt: '2026-12-15T09:29:58.000Z',
  timezone,
  window: 'day',
  from: data[0]?.start ?? DEC.start,
  to: data.at(-1)?.end ?? DEC.end,
});

export const adjustments: UsageAdjustment[] = [
  {
    id: 'a-2',
    tenantId: 't-1',
    requestId: 'r-2',
    transactionId: '33333333-0000-4000-8000-000000000002',
    connectionId: EPIC,
    class: 'fhir.read',
    environment: 'production',
    actorType: 'operator',
    actorId: 'op-1',
    action: 'amend',
    unitsDelta: -2,
    reason: 'Duplicate page counted twice',
    occurredAt: '2026-12-02T10:00:00.000Z',
    periodStart: DEC.start,
    createdAt: '2026-12-10T08:00:00.000Z',
    invoiceId: null,
  },
  {
    id: 'a-1',
    tenantId: 't-1',
    requestId: 'r-1',
    transactionId: '33333333-0000-4000-8000-000000000001',
    connectionId: HL7,
    class: 'hl7.in',
    environment: 'production',
    actorType: 'operator',
    actorId: 'op-1',
    action: 'void',
    unitsDelta: -1,
    reason: 'Test message sent to production',
    occurredAt: '2026-11-20T10:00:00.000Z',
    periodStart: NOV.start,
    createdAt: '2026-12-05T08:00:00.000Z',
    invoiceId: INV_NOV,
  },
];

export const alertRules: UsageAlertRule[] = [
  {
    id: 'al-1',
    tenantId: 't-1',
    name: 'FHIR reads over 10k',
    metric: 'units',
    threshold: '10000',
    connectionId: null,
    class: 'fhir.read',
    createdAt: '2026-12-01T10:00:00.000Z',
    lastFiring: { periodStart: DEC.start, value: '10004', eventId: '44444444-0000-4000-8000-000000000001', firedAt: '2026-12-09T06:00:00.000Z' },
  },
  { id: 'al-2', tenantId: 't-1', name: 'Epic HL7 at 80%', metric: 'includedPercent', threshold: '80', connectionId: HL7, class: 'hl7.in', createdAt: '2026-12-02T10:00:00.000Z', lastFiring: null },
];

const query = (path: string) => new URL(path, 'http://x').searchParams;

/** Serves the usage windows from fixtures by the `groupBy` asked for (billable rows only when it includes `billable`). */
export function serveUsage(api: FakeApi, rows: { connection?: UsageWindowRow[]; class?: UsageWindowRow[] } = {}) {
  api.on('GET', '/v1/usage', (req) => {
    const q = query(req.path);
    const dims = (q.get('groupBy') ?? '').split(',');
    const source = dims.includes('class') ? (rows.class ?? usageByClass) : dims.includes('connection') ? (rows.connection ?? usageByConnection) : [];
    if (dims.length === 1 && dims[0] === 'billable') {
      // A span total: this period to date, or the last period to the same point.
      const [start, end] = [q.get('from') ?? '', q.get('to') ?? ''];
      const units = start === DEC.start ? 3100 : 2480;
      return json(200, page([{ start, end, billable: true, count: units, units }, { start, end, billable: false, count: 5, units: 5 }]));
    }
    const strip = (r: UsageWindowRow): UsageWindowRow => {
      const out = { ...r };
      if (!dims.includes('billable')) delete out.billable;
      return out;
    };
    return json(200, page(source.map(strip)));
  });
}
