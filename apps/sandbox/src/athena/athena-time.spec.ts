import { EASTERN, instantOf, isoWithOffset, parseUsDate, parseUsDateTime, usDate, usDateTime, usTime } from './athena-time';

describe('athena clock formats', () => {
  it('formats an instant in a zone, daylight saving included', () => {
    const summer = Date.parse('2026-07-15T16:00:00Z');
    const winter = Date.parse('2026-12-15T16:00:00Z');
    expect(usDateTime(summer, EASTERN)).toBe('07/15/2026 12:00:00');
    expect(usDateTime(winter, EASTERN)).toBe('12/15/2026 11:00:00');
    expect(usTime(winter, 'America/Los_Angeles')).toBe('08:00');
    expect(usDate(Date.parse('2026-11-04T03:30:00Z'), 'America/Chicago')).toBe('11/03/2026');
    expect(isoWithOffset(summer, EASTERN)).toBe('2026-07-15T12:00:00-04:00');
    expect(isoWithOffset(winter, EASTERN)).toBe('2026-12-15T11:00:00-05:00');
  });

  it('turns a wall time in a zone into the instant it names, on both sides of a change', () => {
    expect(new Date(instantOf({ year: 2026, month: 7, day: 15, hour: 12, minute: 0, second: 0 }, EASTERN)).toISOString()).toBe('2026-07-15T16:00:00.000Z');
    expect(new Date(instantOf({ year: 2026, month: 11, day: 1, hour: 3, minute: 0, second: 0 }, EASTERN)).toISOString()).toBe('2026-11-01T08:00:00.000Z');
    // 01:30 happens twice on 1 November 2026 in New York: the first one (EDT) is meant.
    expect(new Date(instantOf({ year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 }, EASTERN)).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // 02:30 does not exist on 8 March 2026: the instant after the gap.
    expect(usDateTime(instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, EASTERN), EASTERN)).toBe('03/08/2026 03:30:00');
  });

  it('parses MM/DD/YYYY strictly and MM/DD/YYYY HH:mm:ss', () => {
    expect(parseUsDate('02/28/2026')).toMatchObject({ year: 2026, month: 2, day: 28 });
    for (const bad of ['2026-02-28', '2/28/2026', '02/30/2026', '13/01/2026', undefined]) expect(parseUsDate(bad)).toBeUndefined();
    expect(parseUsDateTime('07/15/2026 11:59:00')).toEqual({ year: 2026, month: 7, day: 15, hour: 11, minute: 59, second: 0 });
    expect(parseUsDateTime('07/15/2026 24:00:00')).toBeUndefined();
  });
});
