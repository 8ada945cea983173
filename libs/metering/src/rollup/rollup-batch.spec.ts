import { aggregateBatch, bucketStartOf, parseClaimedEvents, PeriodStarts, type ClaimedUsage } from './rollup-batch';

const event = (over: Partial<ClaimedUsage>): ClaimedUsage => ({
  tenantId: 't1',
  connectionId: 'c1',
  transactionId: 'x',
  vendor: 'echo',
  operation: 'read',
  resourceType: 'Patient',
  class: 'fhir.read',
  environment: 'production',
  outcome: 'success',
  billable: true,
  units: 1,
  occurredAt: new Date('2026-05-10T10:00:00Z'),
  patientRefs: null,
  ...over,
});

describe('bucketStartOf', () => {
  it('floors to :00, :15, :30, :45 UTC; the last millisecond stays in its bucket', () => {
    expect(bucketStartOf(new Date('2026-05-10T10:14:59.999Z')).toISOString()).toBe('2026-05-10T10:00:00.000Z');
    expect(bucketStartOf(new Date('2026-05-10T10:15:00.000Z')).toISOString()).toBe('2026-05-10T10:15:00.000Z');
    expect(bucketStartOf(new Date('2026-05-10T23:59:59.999Z')).toISOString()).toBe('2026-05-10T23:45:00.000Z');
  });
});

describe('aggregateBatch', () => {
  const token = (tenantId: string, ref: string) => `${tenantId}:${ref.length}:${ref.charCodeAt(ref.length - 1)}`;

  it('adds events of one key together and keeps different keys apart', () => {
    const periods = new PeriodStarts(new Map());
    const { rollups, periods: totals } = aggregateBatch(
      [
        event({ units: 2 }),
        event({ occurredAt: new Date('2026-05-10T10:14:00Z'), units: 3 }),
        event({ occurredAt: new Date('2026-05-10T10:15:00Z') }),
        event({ outcome: 'error', billable: false }),
        event({ class: null, operation: 'echo', billable: false }),
      ],
      periods,
      token,
    );
    expect(rollups.map((r) => [r.bucketStart.toISOString(), r.operation, r.class, r.outcome, r.count, r.units])).toEqual([
      ['2026-05-10T10:00:00.000Z', 'read', 'fhir.read', 'success', 2, 5],
      ['2026-05-10T10:15:00.000Z', 'read', 'fhir.read', 'success', 1, 1],
      ['2026-05-10T10:00:00.000Z', 'read', 'fhir.read', 'error', 1, 1],
      ['2026-05-10T10:00:00.000Z', 'echo', '', 'success', 1, 1],
    ]);
    expect(totals.map((t) => [t.periodStart.toISOString(), t.class, t.billable, t.count, t.units])).toEqual([
      ['2026-05-01T00:00:00.000Z', 'fhir.read', true, 3, 6],
      ['2026-05-01T00:00:00.000Z', 'fhir.read', false, 1, 1],
      ['2026-05-01T00:00:00.000Z', '', false, 1, 1],
    ]);
  });

  it("counts each patient once per tenant and period, of billable events only, under each tenant's terms", () => {
    const histories = new Map([['t2', [{ timezone: 'Asia/Kathmandu', anchorDay: 1, effectiveFrom: new Date('2026-01-01T00:00:00Z') }]]]);
    const { patients } = aggregateBatch(
      [
        event({ patientRefs: ['Patient/1', 'Patient/2'] }),
        event({ patientRefs: ['Patient/1'] }),
        event({ billable: false, outcome: 'error', patientRefs: ['Patient/3'] }),
        // 31 May 18:15Z is 1 June 00:00 in Kathmandu (UTC+5:45): June there.
        event({ tenantId: 't2', occurredAt: new Date('2026-05-31T18:15:00Z'), patientRefs: ['Patient/1'] }),
        event({ tenantId: 't2', occurredAt: new Date('2026-05-31T18:14:59.999Z'), patientRefs: ['Patient/1'] }),
      ],
      new PeriodStarts(histories),
      token,
    );
    expect(patients.map((p) => [p.tenantId, p.periodStart.toISOString(), p.patientToken])).toEqual([
      ['t1', '2026-05-01T00:00:00.000Z', token('t1', 'Patient/1')],
      ['t1', '2026-05-01T00:00:00.000Z', token('t1', 'Patient/2')],
      ['t2', '2026-05-31T18:15:00.000Z', token('t2', 'Patient/1')],
      ['t2', '2026-04-30T18:15:00.000Z', token('t2', 'Patient/1')],
    ]);
  });

  it('stamps each patient with the earliest occurredAt of the batch, whatever order the events came in', () => {
    const at = (iso: string) => new Date(iso);
    const { patients } = aggregateBatch(
      [
        event({ occurredAt: at('2026-05-10T10:00:00Z'), patientRefs: ['Patient/1'] }),
        event({ occurredAt: at('2026-05-10T09:00:00Z'), patientRefs: ['Patient/1', 'Patient/2'] }),
        event({ occurredAt: at('2026-05-10T08:00:00Z'), billable: false, outcome: 'error', patientRefs: ['Patient/1'] }), // not billable: not seen
        event({ occurredAt: at('2026-05-10T11:00:00Z'), patientRefs: ['Patient/2'] }),
      ],
      new PeriodStarts(new Map()),
      token,
    );
    expect(patients.map((p) => [p.patientToken, p.firstSeenAt.toISOString()])).toEqual([
      [token('t1', 'Patient/1'), '2026-05-10T09:00:00.000Z'],
      [token('t1', 'Patient/2'), '2026-05-10T09:00:00.000Z'],
    ]);
  });

  it('reads the claim statement’s JSON rows', () => {
    const [e] = parseClaimedEvents(
      JSON.stringify([['t', 'c', 'x', 'hl7v2', 'message.in', 'ADT^A01', 'hl7.in', 'production', 'success', true, 1, '2026-05-10T10:00:00.123+00:00', ['Patient/1']]]),
    );
    expect(e).toEqual(event({ connectionId: 'c', tenantId: 't', vendor: 'hl7v2', operation: 'message.in', resourceType: 'ADT^A01', class: 'hl7.in', occurredAt: new Date('2026-05-10T10:00:00.123Z'), patientRefs: ['Patient/1'] }));
  });
});
