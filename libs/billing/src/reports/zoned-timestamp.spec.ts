import { ZonedTimestampFormatter } from './zoned-timestamp';

describe('ZonedTimestampFormatter', () => {
  it.each([
    ['America/New_York', '2026-03-08T06:59:59.999Z', '2026-03-08T01:59:59.999-05:00'],
    ['America/New_York', '2026-03-08T07:00:00.000Z', '2026-03-08T03:00:00.000-04:00'],
    ['America/New_York', '2026-11-01T05:30:00.000Z', '2026-11-01T01:30:00.000-04:00'],
    ['America/New_York', '2026-11-01T06:30:00.000Z', '2026-11-01T01:30:00.000-05:00'],
    ['Asia/Kathmandu', '2026-03-01T18:14:59.999Z', '2026-03-01T23:59:59.999+05:45'],
    ['Asia/Kathmandu', '2026-03-01T18:15:00.000Z', '2026-03-02T00:00:00.000+05:45'],
    ['Asia/Kolkata', '2026-01-31T18:30:00.000Z', '2026-02-01T00:00:00.000+05:30'],
    ['Australia/Lord_Howe', '2026-10-03T15:29:59.999Z', '2026-10-04T01:59:59.999+10:30'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00.000Z', '2026-10-04T02:30:00.000+11:00'],
    ['UTC', '2026-02-28T23:59:59.999Z', '2026-02-28T23:59:59.999+00:00'],
  ])('%s: %s is %s', (zone, instant, expected) => {
    expect(new ZonedTimestampFormatter(zone).format(new Date(instant))).toBe(expected);
  });

  it('keeps the right offset when consecutive instants cross a transition', () => {
    const f = new ZonedTimestampFormatter('America/New_York');
    const out = ['2026-03-08T06:45:00.000Z', '2026-03-08T06:59:59.999Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:14:00.000Z'].map((i) => f.format(new Date(i)));
    expect(out).toEqual(['2026-03-08T01:45:00.000-05:00', '2026-03-08T01:59:59.999-05:00', '2026-03-08T03:00:00.000-04:00', '2026-03-08T03:14:00.000-04:00']);
  });
});
