import { inWallClockHours, minutesOfDay, wallClockMinutes } from './wall-clock-hours';

const at = (iso: string) => new Date(iso);

describe('wall-clock hours', () => {
  it('reads HH:MM strictly', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('23:59')).toBe(23 * 60 + 59);
    for (const bad of ['24:00', '7:00', '07:60', '07:00:00', '', ' 07:00']) expect(() => minutesOfDay(bad)).toThrow(RangeError);
  });

  it('a same-day window is [from, to)', () => {
    const q = { from: '09:00', to: '17:30', timezone: 'UTC' };
    expect(inWallClockHours(q, at('2026-05-04T08:59:59Z'))).toBe(false);
    expect(inWallClockHours(q, at('2026-05-04T09:00:00Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-04T17:29:59Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-04T17:30:00Z'))).toBe(false);
  });

  it('a window crossing midnight covers the evening and the next morning, not the day', () => {
    const q = { from: '22:00', to: '07:00', timezone: 'UTC' };
    expect(inWallClockHours(q, at('2026-05-04T21:59:00Z'))).toBe(false);
    expect(inWallClockHours(q, at('2026-05-04T22:00:00Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-04T23:59:59Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-05T00:00:00Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-05T06:59:00Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-05T07:00:00Z'))).toBe(false);
    expect(inWallClockHours(q, at('2026-05-05T12:00:00Z'))).toBe(false);
  });

  it('is evaluated on the rule’s wall clock: 22:00–07:00 in Tokyo is 13:00–22:00 UTC', () => {
    const q = { from: '22:00', to: '07:00', timezone: 'Asia/Tokyo' };
    expect(inWallClockHours(q, at('2026-05-04T12:59:00Z'))).toBe(false);
    expect(inWallClockHours(q, at('2026-05-04T13:00:00Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-04T21:59:00Z'))).toBe(true);
    expect(inWallClockHours(q, at('2026-05-04T22:00:00Z'))).toBe(false);
  });

  it('an empty window (from = to) is never quiet', () => {
    expect(inWallClockHours({ from: '08:00', to: '08:00', timezone: 'UTC' }, at('2026-05-04T08:00:00Z'))).toBe(false);
  });

  describe('on the US daylight saving days (America/New_York)', () => {
    const night = { from: '22:00', to: '07:00', timezone: 'America/New_York' };

    it('spring forward (2026-03-08): the night window ends at 07:00 EDT = 11:00 UTC, not at 12:00 UTC as it did the day before', () => {
      // 2026-03-07 23:30 EST (04:30 UTC on the 8th) is quiet; 02:30 local does not exist that night.
      expect(inWallClockHours(night, at('2026-03-08T04:30:00Z'))).toBe(true);
      expect(wallClockMinutes(at('2026-03-08T06:59:00Z'), 'America/New_York')).toBe(1 * 60 + 59); // 01:59 EST
      expect(wallClockMinutes(at('2026-03-08T07:00:00Z'), 'America/New_York')).toBe(3 * 60); // 03:00 EDT
      expect(inWallClockHours(night, at('2026-03-08T10:59:00Z'))).toBe(true); // 06:59 EDT
      expect(inWallClockHours(night, at('2026-03-08T11:00:00Z'))).toBe(false); // 07:00 EDT
      // The day before, still on EST, 11:30 UTC was 06:30: quiet. A fixed -05:00 offset would get the 8th wrong.
      expect(inWallClockHours(night, at('2026-03-07T11:30:00Z'))).toBe(true);
      expect(inWallClockHours(night, at('2026-03-08T11:30:00Z'))).toBe(false);
    });

    it('spring forward: a window inside the skipped hour never happens that night', () => {
      const skipped = { from: '02:00', to: '03:00', timezone: 'America/New_York' };
      for (let m = 0; m < 24 * 60; m += 15) expect(inWallClockHours(skipped, new Date(Date.parse('2026-03-08T04:00:00Z') + m * 60_000))).toBe(false);
      expect(inWallClockHours(skipped, at('2026-03-09T06:30:00Z'))).toBe(true); // 02:30 EDT the next night
    });

    it('fall back (2026-11-01): the repeated hour is quiet both times; the night window ends at 07:00 EST = 12:00 UTC', () => {
      const repeated = { from: '01:00', to: '02:00', timezone: 'America/New_York' };
      expect(inWallClockHours(repeated, at('2026-11-01T04:59:00Z'))).toBe(false); // 00:59 EDT
      expect(inWallClockHours(repeated, at('2026-11-01T05:30:00Z'))).toBe(true); // 01:30 EDT
      expect(inWallClockHours(repeated, at('2026-11-01T06:30:00Z'))).toBe(true); // 01:30 EST
      expect(inWallClockHours(repeated, at('2026-11-01T07:00:00Z'))).toBe(false); // 02:00 EST
      expect(inWallClockHours(night, at('2026-11-01T11:30:00Z'))).toBe(true); // 06:30 EST
      expect(inWallClockHours(night, at('2026-11-01T12:00:00Z'))).toBe(false); // 07:00 EST
    });
  });
});
