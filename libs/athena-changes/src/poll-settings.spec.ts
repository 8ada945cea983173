import { parseAthenaTimestamp, parseEasternDateTime } from './eastern-time';
import { backoffMs, DEFAULT_POLL_SECONDS, DEFAULT_REPLAY_MINUTES, pollSettingsOf, replayWindow } from './poll-settings';

const MIN = 60_000;

describe('replay window', () => {
  const now = new Date('2026-03-01T15:00:00Z');
  const skew = 2 * MIN;

  it('reaches back to the last stored read when that is further than the replay minutes', () => {
    const startedAt = new Date('2026-02-01T00:00:00Z');
    const lastPageAt = new Date(now.getTime() - 300 * MIN);
    expect(replayWindow({ startedAt, lastPageAt }, { replayMs: 60 * MIN }, now, skew)).toEqual({ from: new Date(lastPageAt.getTime() - skew), to: new Date(now.getTime() + skew) });
  });

  it('covers at least the replay minutes', () => {
    const startedAt = new Date('2026-02-01T00:00:00Z');
    const window = replayWindow({ startedAt, lastPageAt: new Date(now.getTime() - MIN) }, { replayMs: 60 * MIN }, now, skew);
    expect(window.from).toEqual(new Date(now.getTime() - 60 * MIN - skew));
  });

  it('never reaches before the feed was first polled (minus the skew tolerance)', () => {
    const startedAt = new Date(now.getTime() - 10 * MIN);
    expect(replayWindow({ startedAt, lastPageAt: null }, { replayMs: 60 * MIN }, now, skew).from).toEqual(new Date(startedAt.getTime() - skew));
  });
});

describe('poll settings', () => {
  it('uses the connection settings, defaults when unset, and clamps nonsense', () => {
    expect(pollSettingsOf({ athenaPollSeconds: null, athenaReplayMinutes: null, athenaDepartmentIds: [] })).toEqual({ pollMs: DEFAULT_POLL_SECONDS * 1000, replayMs: DEFAULT_REPLAY_MINUTES * MIN, departmentIds: [] });
    expect(pollSettingsOf({ athenaPollSeconds: 1, athenaReplayMinutes: 5, athenaDepartmentIds: ['1'] })).toEqual({ pollMs: 1000, replayMs: 5 * MIN, departmentIds: ['1'] });
    expect(pollSettingsOf({ athenaPollSeconds: 0, athenaReplayMinutes: 100_000, athenaDepartmentIds: [] })).toMatchObject({ pollMs: 1000, replayMs: 24 * 60 * MIN });
  });

  it('backs off by doubling from the poll interval up to the ceiling', () => {
    expect([1, 2, 3, 10].map((f) => backoffMs(30_000, f, 5 * MIN))).toEqual([60_000, 120_000, 240_000, 5 * MIN]);
    expect(backoffMs(1_000, 1, 5 * MIN)).toBe(2_000);
  });
});

describe('athena Eastern timestamps', () => {
  it('reads MM/DD/YYYY HH:mm:ss as New York time, across daylight saving', () => {
    expect(parseEasternDateTime('01/15/2026 09:30:00')?.toISOString()).toBe('2026-01-15T14:30:00.000Z');
    expect(parseEasternDateTime('07/15/2026 09:30:00')?.toISOString()).toBe('2026-07-15T13:30:00.000Z');
    expect(parseEasternDateTime('03/08/2026 03:30:00')?.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(parseEasternDateTime('11/01/2026 12:00')?.toISOString()).toBe('2026-11-01T17:00:00.000Z');
  });

  it('refuses what is not a date-time, and takes ISO with an offset', () => {
    expect(parseEasternDateTime('02/30/2026 10:00:00')).toBeNull();
    expect(parseAthenaTimestamp('03/01/2026')).toBeNull();
    expect(parseAthenaTimestamp(20260301)).toBeNull();
    expect(parseAthenaTimestamp('2021-01-11T17:03:05-05:00')?.toISOString()).toBe('2021-01-11T22:03:05.000Z');
  });
});
