import { feedIsSilent } from './hl7-feed-silence';

const at = (iso: string) => new Date(iso);

describe('feedIsSilent', () => {
  const allDay = { minutes: 30, hours: null };
  const dayShift = { minutes: 30, hours: { from: '07:00', to: '19:00', timezone: 'America/Chicago' } };

  it('watched all day: silent once the last message is `minutes` old, not before', () => {
    expect(feedIsSilent(allDay, at('2026-12-03T10:00:00Z'), at('2026-12-03T10:29:59Z'))).toBe(false);
    expect(feedIsSilent(allDay, at('2026-12-03T10:00:00Z'), at('2026-12-03T10:30:00Z'))).toBe(true);
    expect(feedIsSilent(allDay, null, at('2026-12-03T10:30:00Z'))).toBe(true);
  });

  it('watched during hours: silence outside them does not count, nor the night carried into the morning', () => {
    // The last message at 18:55 CST (00:55Z); 06:00 CST = 12:00Z.
    const evening = at('2026-12-03T00:55:00Z');
    expect(feedIsSilent(dayShift, evening, at('2026-12-03T12:00:00Z'))).toBe(false); // 06:00: 5 watched minutes (18:55–19:00)
    expect(feedIsSilent(dayShift, evening, at('2026-12-03T13:20:00Z'))).toBe(false); // 07:20: 25
    expect(feedIsSilent(dayShift, evening, at('2026-12-03T13:25:00Z'))).toBe(true); // 07:25: 30
    expect(feedIsSilent(dayShift, at('2026-12-03T13:20:00Z'), at('2026-12-03T13:40:00Z'))).toBe(false); // a message at 07:20
    // 19:10: the 30 minutes before 19:00 were watched and silent.
    expect(feedIsSilent(dayShift, evening, at('2026-12-04T01:10:00Z'))).toBe(true);
  });

  it('a silence allowance longer than the night counts watched time only, across the night', () => {
    // Watched 06:00–23:00 UTC, 8 hours allowed; the last message at 22:00.
    const long = { minutes: 480, hours: { from: '06:00', to: '23:00', timezone: 'UTC' } };
    const last = at('2026-12-02T22:00:00Z');
    expect(feedIsSilent(long, last, at('2026-12-03T06:30:00Z'))).toBe(false); // 1 h 30 watched
    expect(feedIsSilent(long, last, at('2026-12-03T12:59:00Z'))).toBe(false); // 7 h 59 watched
    expect(feedIsSilent(long, last, at('2026-12-03T13:00:00Z'))).toBe(true); // 8 h watched
  });

  it('a feed that never sent anything, watched a few minutes a day, is judged on the last week at most', () => {
    const narrow = { minutes: 5, hours: { from: '12:00', to: '12:10', timezone: 'UTC' } };
    expect(feedIsSilent(narrow, null, at('2026-12-03T12:05:00Z'))).toBe(true);
    expect(feedIsSilent(narrow, at('2026-12-03T11:00:00Z'), at('2026-12-03T12:04:00Z'))).toBe(false);
  });
});
