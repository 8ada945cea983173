import {
  DEFAULT_BILLING_SCHEDULE,
  billingPeriodAt,
  billingPeriodById,
  instantOfWallTime,
  isBillingPeriodId,
  isIanaTimeZone,
  naturalPeriodOf,
  nextBillingPeriod,
  previousBillingPeriod,
  samePointOfPreviousPeriod,
  type BillingTermsLike,
} from './billing-period';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();
const HOUR = 3_600_000;

describe('isIanaTimeZone', () => {
  it.each(['UTC', 'Etc/UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'Etc/GMT+5'])(
    'accepts %s',
    (tz) => expect(isIanaTimeZone(tz)).toBe(true),
  );
  it.each(['', '+05:00', '-03:30', 'UTC+1', 'EST5EDT', 'EST', 'GMT', 'utc', 'america/new_york', 'US/Eastern', 'Mars/Olympus', 'America/Nowhere', 'America/', '/UTC', 'America//New_York'])(
    'refuses %j',
    (tz) => expect(isIanaTimeZone(tz)).toBe(false),
  );
});

describe('instantOfWallTime', () => {
  it.each([
    // [zone, local wall time, expected UTC instant]
    ['America/New_York', [2026, 3, 8, 0, 0], '2026-03-08T05:00:00.000Z'], // EST
    ['America/New_York', [2026, 3, 9, 0, 0], '2026-03-09T04:00:00.000Z'], // EDT: Mar 8 lasted 23 h
    ['America/New_York', [2026, 3, 8, 2, 30], '2026-03-08T07:00:00.000Z'], // in the gap → the transition (03:00 EDT)
    ['America/New_York', [2026, 11, 1, 0, 0], '2026-11-01T04:00:00.000Z'], // EDT
    ['America/New_York', [2026, 11, 2, 0, 0], '2026-11-02T05:00:00.000Z'], // EST: Nov 1 lasted 25 h
    ['America/New_York', [2026, 11, 1, 1, 30], '2026-11-01T05:30:00.000Z'], // twice: the first (EDT) occurrence
    ['Australia/Lord_Howe', [2026, 4, 5, 0, 0], '2026-04-04T13:00:00.000Z'], // +11:00
    ['Australia/Lord_Howe', [2026, 4, 6, 0, 0], '2026-04-05T13:30:00.000Z'], // +10:30: a 24.5 h day
    ['Australia/Lord_Howe', [2026, 4, 5, 1, 45], '2026-04-04T14:45:00.000Z'], // 01:30–02:00 happens twice: first
    ['Australia/Lord_Howe', [2026, 10, 4, 0, 0], '2026-10-03T13:30:00.000Z'], // +10:30
    ['Australia/Lord_Howe', [2026, 10, 5, 0, 0], '2026-10-04T13:00:00.000Z'], // +11:00: a 23.5 h day
    ['Australia/Lord_Howe', [2026, 10, 4, 2, 15], '2026-10-03T15:30:00.000Z'], // gap 02:00–02:30 → the transition
    ['Asia/Kolkata', [2026, 2, 1, 0, 0], '2026-01-31T18:30:00.000Z'],
    ['Asia/Kathmandu', [2026, 6, 1, 0, 0], '2026-05-31T18:15:00.000Z'],
    ['America/Havana', [2026, 3, 8, 0, 0], '2026-03-08T05:00:00.000Z'], // midnight does not exist: local 01:00 CDT
  ] as const)('%s %j → %s', (tz, [year, month, day, hour, minute], expected) => {
    expect(iso(instantOfWallTime({ year, month, day, hour, minute }, tz))).toBe(expected);
  });
});

describe('naturalPeriodOf', () => {
  it.each([
    // [zone, anchor, instant, id, start, end]
    ['UTC', 1, '2026-02-14T12:00:00Z', '2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['America/New_York', 1, '2026-03-15T12:00:00Z', '2026-03', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ['America/New_York', 1, '2026-11-10T12:00:00Z', '2026-11', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
    ['America/New_York', 8, '2026-03-08T05:00:00Z', '2026-03', '2026-03-08T05:00:00.000Z', '2026-04-08T04:00:00.000Z'],
    ['America/New_York', 8, '2026-03-08T04:59:59.999Z', '2026-02', '2026-02-08T05:00:00.000Z', '2026-03-08T05:00:00.000Z'],
    ['Australia/Lord_Howe', 1, '2026-04-15T00:00:00Z', '2026-04', '2026-03-31T13:00:00.000Z', '2026-04-30T13:30:00.000Z'],
    ['Australia/Lord_Howe', 5, '2026-04-20T00:00:00Z', '2026-04', '2026-04-04T13:00:00.000Z', '2026-05-04T13:30:00.000Z'],
    ['Australia/Lord_Howe', 4, '2026-10-04T00:00:00Z', '2026-10', '2026-10-03T13:30:00.000Z', '2026-11-03T13:00:00.000Z'],
    ['Asia/Kolkata', 1, '2026-02-10T00:00:00Z', '2026-02', '2026-01-31T18:30:00.000Z', '2026-02-28T18:30:00.000Z'],
    // anchor 31: January 31, February clamped to the 28th, March 31
    ['Asia/Kolkata', 31, '2026-02-27T18:30:00Z', '2026-02', '2026-02-27T18:30:00.000Z', '2026-03-30T18:30:00.000Z'],
    ['Asia/Kolkata', 31, '2026-02-27T18:29:59.999Z', '2026-01', '2026-01-30T18:30:00.000Z', '2026-02-27T18:30:00.000Z'],
    ['UTC', 31, '2026-04-30T00:00:00Z', '2026-04', '2026-04-30T00:00:00.000Z', '2026-05-31T00:00:00.000Z'], // 30-day April → the 30th
    ['UTC', 31, '2028-03-01T00:00:00Z', '2028-02', '2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z'], // leap year → the 29th
    // anchor 29: February 28 in 2027, February 29 in 2028
    ['Asia/Kathmandu', 29, '2027-03-01T00:00:00Z', '2027-02', '2027-02-27T18:15:00.000Z', '2027-03-28T18:15:00.000Z'],
    ['Asia/Kathmandu', 29, '2028-03-01T00:00:00Z', '2028-02', '2028-02-28T18:15:00.000Z', '2028-03-28T18:15:00.000Z'],
    ['Asia/Kathmandu', 29, '2028-02-28T18:14:59.999Z', '2028-01', '2028-01-28T18:15:00.000Z', '2028-02-28T18:15:00.000Z'],
    // a zone whose midnight does not exist on the anchor day: the period starts at the transition (local 01:00)
    ['America/Havana', 8, '2026-03-08T05:00:00Z', '2026-03', '2026-03-08T05:00:00.000Z', '2026-04-08T04:00:00.000Z'],
    ['America/Havana', 8, '2026-03-08T04:59:59.999Z', '2026-02', '2026-02-08T05:00:00.000Z', '2026-03-08T05:00:00.000Z'],
  ] as const)('%s anchor %d at %s → %s', (timezone, anchorDay, instant, id, start, end) => {
    const period = naturalPeriodOf(at(instant), { timezone, anchorDay });
    expect({ id: period.id, start: iso(period.start), end: iso(period.end) }).toEqual({ id, start, end });
  });

  it.each([
    // local 23:59:59.999 of the last day vs 00:00:00.000 of the anchor day
    ['America/New_York', '2026-11-01T03:59:59.999Z', '2026-10', '2026-11-01T04:00:00.000Z', '2026-11'],
    ['America/New_York', '2026-04-01T03:59:59.999Z', '2026-03', '2026-04-01T04:00:00.000Z', '2026-04'],
    ['Australia/Lord_Howe', '2026-04-30T13:29:59.999Z', '2026-04', '2026-04-30T13:30:00.000Z', '2026-05'],
    ['Asia/Kolkata', '2026-05-31T18:29:59.999Z', '2026-05', '2026-05-31T18:30:00.000Z', '2026-06'],
    ['Asia/Kathmandu', '2026-05-31T18:14:59.999Z', '2026-05', '2026-05-31T18:15:00.000Z', '2026-06'],
  ])('%s: %s is in %s, %s in %s', (timezone, before, beforeId, after, afterId) => {
    expect(naturalPeriodOf(at(before), { timezone, anchorDay: 1 }).id).toBe(beforeId);
    expect(naturalPeriodOf(at(after), { timezone, anchorDay: 1 }).id).toBe(afterId);
  });

  it('refuses a bad schedule', () => {
    expect(() => naturalPeriodOf(at('2026-01-01T00:00:00Z'), { timezone: 'UTC', anchorDay: 0 })).toThrow(RangeError);
    expect(() => naturalPeriodOf(at('2026-01-01T00:00:00Z'), { timezone: 'UTC', anchorDay: 32 })).toThrow(RangeError);
    expect(() => naturalPeriodOf(at('2026-01-01T00:00:00Z'), { timezone: 'UTC', anchorDay: 1.5 })).toThrow(RangeError);
    expect(() => naturalPeriodOf(at('2026-01-01T00:00:00Z'), { timezone: '+05:00', anchorDay: 1 })).toThrow(RangeError);
    expect(() => naturalPeriodOf(new Date(Number.NaN), DEFAULT_BILLING_SCHEDULE)).toThrow(RangeError);
  });
});

interface Terms extends BillingTermsLike {
  name: string;
}

describe('billingPeriodAt / billingPeriodById with a history of terms', () => {
  // First terms: New York, anchor 15, from the start of its natural period (Mar 15 00:00 EDT).
  // A change to Kolkata, anchor 1, from the end of the then-current period (Apr 15 → May 15 00:00 EDT).
  const first: Terms = { name: 'first', timezone: 'America/New_York', anchorDay: 15, effectiveFrom: at('2026-03-15T04:00:00Z') };
  const second: Terms = { name: 'second', timezone: 'Asia/Kolkata', anchorDay: 1, effectiveFrom: at('2026-05-15T04:00:00Z') };
  const history = [second, first]; // any order

  const expected = [
    // [id, start, end, terms]
    ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', null],
    ['2026-03-01', '2026-03-01T00:00:00.000Z', '2026-03-15T04:00:00.000Z', null], // termless, cut short by the first terms
    ['2026-03', '2026-03-15T04:00:00.000Z', '2026-04-15T04:00:00.000Z', 'first'],
    ['2026-04', '2026-04-15T04:00:00.000Z', '2026-05-15T04:00:00.000Z', 'first'],
    ['2026-05-15', '2026-05-15T04:00:00.000Z', '2026-05-31T18:30:00.000Z', 'second'], // started late (09:30 IST on May 15)
    ['2026-06', '2026-05-31T18:30:00.000Z', '2026-06-30T18:30:00.000Z', 'second'],
  ] as const;

  it.each(expected)('%s is [%s, %s) under %s', (id, start, end, terms) => {
    for (const instant of [at(start), new Date(at(end).getTime() - 1)]) {
      const period = billingPeriodAt(history, instant);
      expect({ id: period.id, start: iso(period.start), end: iso(period.end), terms: period.terms?.name ?? null }).toEqual({ id, start, end, terms });
    }
    const byId = billingPeriodById(history, id);
    expect(byId && { start: iso(byId.start), end: iso(byId.end), terms: byId.terms?.name ?? null }).toEqual({ start, end, terms });
  });

  it('without terms uses calendar months in UTC', () => {
    const period = billingPeriodAt([], at('2026-07-31T23:59:59.999Z'));
    expect({ id: period.id, start: iso(period.start), end: iso(period.end), terms: period.terms }).toEqual({
      id: '2026-07',
      start: '2026-07-01T00:00:00.000Z',
      end: '2026-08-01T00:00:00.000Z',
      terms: null,
    });
  });

  it('previous, next and the same point of the last period', () => {
    const april = billingPeriodAt(history, at('2026-04-20T00:00:00Z'));
    expect(previousBillingPeriod(history, april).id).toBe('2026-03');
    expect(nextBillingPeriod(history, april).id).toBe('2026-05-15');
    // 5 days into April's period (from Apr 15 04:00Z) → 5 days into March's (from Mar 15 04:00Z)
    const same = samePointOfPreviousPeriod(history, at('2026-04-20T04:00:00Z'));
    expect([same.period.id, iso(same.at)]).toEqual(['2026-03', '2026-03-20T04:00:00.000Z']);
    // 16 days into the May period (from May 15 04:00Z) → 16 days into April's (from Apr 15 04:00Z)
    const may = samePointOfPreviousPeriod(history, at('2026-05-31T04:00:00Z'));
    expect([may.period.id, iso(may.at)]).toEqual(['2026-04', '2026-05-01T04:00:00.000Z']);
    // 30 days into June's period; the May period lasted only 16 d 14.5 h → clamped to its end
    const june = samePointOfPreviousPeriod(history, at('2026-06-30T18:00:00Z'));
    expect([june.period.id, iso(june.at)]).toEqual(['2026-05-15', '2026-05-31T18:30:00.000Z']);
  });

  it('rows with the same effectiveFrom: the last given wins', () => {
    const a: Terms = { ...first, name: 'a' };
    const b: Terms = { ...first, name: 'b' };
    expect(billingPeriodAt([a, b], at('2026-04-01T00:00:00Z')).terms?.name).toBe('b');
  });

  it('unknown or malformed ids are null', () => {
    for (const id of ['2026-13', '2026-02-30', '2026-3', 'current', '2026-04-01T24:00', '2030-01-05']) {
      expect(billingPeriodById(history, id)).toBeNull();
    }
    expect(isBillingPeriodId('2026-04')).toBe(true);
    expect(isBillingPeriodId('2026-04-15')).toBe(true);
    expect(isBillingPeriodId('April')).toBe(false);
  });

  it('a natural period that would repeat the previous id across timezones takes the date form', () => {
    // Kiritimati (+14) from May 1 00:00 local; then Honolulu (−10), anchor 31, from Jun 1 00:00 +14 = May 31 00:00 HST:
    // both natural periods start in a local May.
    const kiritimati: Terms = { name: 'k', timezone: 'Pacific/Kiritimati', anchorDay: 1, effectiveFrom: at('2026-04-30T10:00:00Z') };
    const honolulu: Terms = { name: 'h', timezone: 'Pacific/Honolulu', anchorDay: 31, effectiveFrom: at('2026-05-31T10:00:00Z') };
    const h = [kiritimati, honolulu];
    expect(billingPeriodAt(h, at('2026-05-10T00:00:00Z')).id).toBe('2026-05');
    const later = billingPeriodAt(h, at('2026-06-10T00:00:00Z'));
    expect([later.id, iso(later.start), iso(later.end)]).toEqual(['2026-05-31', '2026-05-31T10:00:00.000Z', '2026-06-30T10:00:00.000Z']);
    expect(billingPeriodById(h, '2026-05-31')?.terms?.name).toBe('h');
    expect(billingPeriodById(h, '2026-05')?.terms?.name).toBe('k');
  });

  it('two changes on one local day: the second period takes the minute form', () => {
    const a: Terms = { name: 'a', timezone: 'UTC', anchorDay: 1, effectiveFrom: at('2026-01-01T00:00:00Z') };
    const b: Terms = { name: 'b', timezone: 'UTC', anchorDay: 1, effectiveFrom: at('2026-03-10T10:00:00Z') };
    const c: Terms = { name: 'c', timezone: 'UTC', anchorDay: 1, effectiveFrom: at('2026-03-10T15:00:00Z') };
    const h = [a, b, c];
    expect(billingPeriodAt(h, at('2026-03-05T00:00:00Z')).id).toBe('2026-03-01');
    expect(billingPeriodAt(h, at('2026-03-10T12:00:00Z')).id).toBe('2026-03-10');
    expect(billingPeriodAt(h, at('2026-03-20T00:00:00Z')).id).toBe('2026-03-10T15:00');
    expect(billingPeriodById(h, '2026-03-10T15:00')?.terms?.name).toBe('c');
    expect(billingPeriodAt(h, at('2026-04-20T00:00:00Z')).id).toBe('2026-04');
  });

  it('ids are unique and tile time without gaps over three years of changing terms', () => {
    const h: Terms[] = [
      { name: '1', timezone: 'Australia/Lord_Howe', anchorDay: 31, effectiveFrom: at('2025-12-30T13:00:00Z') },
      { name: '2', timezone: 'America/New_York', anchorDay: 8, effectiveFrom: at('2026-07-08T04:00:00Z') },
      { name: '3', timezone: 'Asia/Kathmandu', anchorDay: 29, effectiveFrom: at('2027-02-08T05:00:00Z') },
    ];
    const seen = new Map<string, string>();
    let period = billingPeriodAt(h, at('2025-06-01T00:00:00Z'));
    while (period.start < at('2028-06-01T00:00:00Z')) {
      const span = `${iso(period.start)}/${iso(period.end)}`;
      expect(seen.get(period.id) ?? span).toBe(span);
      seen.set(period.id, span);
      expect(period.end.getTime() - period.start.getTime()).toBeGreaterThan(HOUR);
      const byId = billingPeriodById(h, period.id);
      expect(byId && `${iso(byId.start)}/${iso(byId.end)}`).toBe(span);
      const next = nextBillingPeriod(h, period);
      expect(next.start.getTime()).toBe(period.end.getTime());
      period = next;
    }
    expect(seen.size).toBeGreaterThan(30);
  });
});
