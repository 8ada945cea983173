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
    // 06:00 CST = 12:00Z. Nothing since the evening before.
    const evening = at('2026-12-02T23:00:00Z');
    expect(feedIsSilent(dayShift, evening, at('2026-12-03T12:00:00Z'))).toBe(false); // 06:00, before the hours
    expect(feedIsSilent(dayShift, evening, at('2026-12-03T13:10:00Z'))).toBe(false); // 07:10: the stretch began 06:40
    expect(feedIsSilent(dayShift, evening, at('2026-12-03T13:30:00Z'))).toBe(true); // 07:30: nothing since 07:00
    expect(feedIsSilent(dayShift, at('2026-12-03T13:20:00Z'), at('2026-12-03T13:40:00Z'))).toBe(false); // a message at 07:20
    expect(feedIsSilent(dayShift, evening, at('2026-12-04T01:10:00Z'))).toBe(false); // 19:10, after the hours
  });
});
