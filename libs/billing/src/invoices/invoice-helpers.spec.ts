import type { TenantBillingTerms } from '@sb/db';
import { csvField, isoInZone, periodsStartingIn } from './billing-summary-export';
import { duePeriods } from './invoice-closer';
import { invoiceNumber } from './invoice-document';
import { quantitiesFrom } from './period-quantities';

const terms = (effectiveFrom: string, patch: Partial<TenantBillingTerms> = {}): TenantBillingTerms => ({
  id: effectiveFrom,
  tenantId: 't',
  planId: 'p',
  planVersion: 1,
  timezone: 'UTC',
  anchorDay: 1,
  currency: 'USD',
  graceMinutes: 60,
  effectiveFrom: new Date(effectiveFrom),
  createdBy: 'test',
  createdAt: new Date(effectiveFrom),
  ...patch,
});

describe('quantitiesFrom', () => {
  it('sums billable units per class, adds adjustments per connection and class, never below zero', () => {
    const q = quantitiesFrom(
      [
        { connectionId: 'c1', class: 'fhir.read', units: 5 },
        { connectionId: 'c1', class: 'fhir.search', units: 2 },
        { connectionId: 'c2', class: 'fhir.read', units: 1 },
      ],
      [
        { connectionId: 'c1', class: 'fhir.read', unitsDelta: -2 },
        { connectionId: 'c2', class: 'fhir.read', unitsDelta: -3 }, // more than it had: 0, not −2
      ],
      { distinctPatients: 4, newLiveConnections: 1 },
    );
    expect(q).toEqual({ usage: { 'fhir.read': 3, 'fhir.search': 2 }, activeConnections: 1, distinctPatients: 4, newLiveConnections: 1 });
  });

  it('does not count a connection whose every unit was voided as active, and ignores rows without a transaction class', () => {
    const q = quantitiesFrom([{ connectionId: 'c1', class: 'fhir.read', units: 2 }, { connectionId: 'c2', class: '', units: 9 }], [{ connectionId: 'c1', class: 'fhir.read', unitsDelta: -2 }], { distinctPatients: 0, newLiveConnections: 0 });
    expect(q).toEqual({ usage: { 'fhir.read': 0 }, activeConnections: 0, distinctPatients: 0, newLiveConnections: 0 });
  });
});

describe('duePeriods', () => {
  const history = [terms('2026-09-01T00:00:00Z', { graceMinutes: 60 })];

  it('lists periods with terms whose end plus grace has passed, oldest first', () => {
    expect(duePeriods(history, new Date('2026-11-01T00:59:59Z')).map((p) => p.id)).toEqual(['2026-09']);
    expect(duePeriods(history, new Date('2026-11-01T01:00:00Z')).map((p) => p.id)).toEqual(['2026-09', '2026-10']);
  });

  it('has nothing for a tenant without terms, nor for the termless time before the first terms', () => {
    expect(duePeriods([], new Date('2026-11-01T00:00:00Z'))).toEqual([]);
    expect(duePeriods([terms('2026-10-15T00:00:00Z')], new Date('2026-11-02T00:00:00Z')).map((p) => p.id)).toEqual(['2026-10-15']);
  });
});

describe('billing summary helpers', () => {
  it('takes the periods whose start is in [from, to) and has begun', () => {
    const history = [terms('2026-09-01T00:00:00Z')];
    const ids = (from: string, to: string, now = '2026-12-15T00:00:00Z') => periodsStartingIn(history, { from: new Date(from), to: new Date(to) }, new Date(now)).map((p) => p.id);
    expect(ids('2026-09-01T00:00:00Z', '2026-11-01T00:00:00Z')).toEqual(['2026-09', '2026-10']);
    expect(ids('2026-09-01T00:00:01Z', '2027-03-01T00:00:00Z')).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(ids('2026-08-01T00:00:00Z', '2026-09-01T00:00:00Z')).toEqual([]); // before the first terms: nothing priced
  });

  it('writes instants with the billing zone’s offset', () => {
    expect(isoInZone(new Date('2026-11-01T04:00:00Z'), 'America/New_York')).toBe('2026-11-01T00:00:00-04:00');
    expect(isoInZone(new Date('2026-12-01T05:00:00Z'), 'America/New_York')).toBe('2026-12-01T00:00:00-05:00');
    expect(isoInZone(new Date('2026-11-30T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-12-01T00:00:00+05:45');
    expect(isoInZone(new Date('2026-03-01T00:00:00Z'), 'UTC')).toBe('2026-03-01T00:00:00Z');
  });

  it('quotes CSV fields per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('-2.00')).toBe('-2.00');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('numbers invoices SB- and six digits', () => {
    expect(invoiceNumber(1n)).toBe('SB-000001');
    expect(invoiceNumber(1234567n)).toBe('SB-1234567');
  });
});
