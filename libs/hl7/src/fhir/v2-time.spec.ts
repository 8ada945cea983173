import { parseV2DateTime } from './v2-time';

describe('parseV2DateTime', () => {
  it.each([
    ['2024', { date: '2024', dateTime: '2024' }],
    ['202403', { date: '2024-03', dateTime: '2024-03' }],
    ['20240310', { date: '2024-03-10', dateTime: '2024-03-10' }],
    ['2024031012', { date: '2024-03-10', dateTime: '2024-03-10T12:00:00+00:00', instant: '2024-03-10T12:00:00+00:00' }],
    ['202403101230', { date: '2024-03-10', dateTime: '2024-03-10T12:30:00+00:00', instant: '2024-03-10T12:30:00+00:00' }],
    ['20240310123045.1234+0530', { date: '2024-03-10', dateTime: '2024-03-10T12:30:45.1234+05:30', instant: '2024-03-10T12:30:45.1234+05:30' }],
    ['20240310123045-0000', { date: '2024-03-10', dateTime: '2024-03-10T12:30:45+00:00', instant: '2024-03-10T12:30:45+00:00' }],
    ['20240229', { date: '2024-02-29', dateTime: '2024-02-29' }],
  ])('keeps the precision of %s', (text, expected) => {
    expect(parseV2DateTime(text, 'UTC')).toEqual(expected);
  });

  it.each(['', 'abc', '2024-03-10', '20230229', '20241301', '20240132', '2024031024', '202403101260', '20240310123060', '20240310+2500', '0000', '20240310120000+1430'])(
    'rejects %j',
    (text) => {
      expect(parseV2DateTime(text, 'UTC')).toBeNull();
    },
  );

  it('uses the dialect zone for times without an offset, with the offset in force on that date (DST)', () => {
    const chicago = (t: string) => parseV2DateTime(t, 'America/Chicago')?.dateTime;
    expect(chicago('202403091200')).toBe('2024-03-09T12:00:00-06:00');
    expect(chicago('202403111200')).toBe('2024-03-11T12:00:00-05:00');
    expect(chicago('202403100159')).toBe('2024-03-10T01:59:00-06:00');
    expect(chicago('202403100300')).toBe('2024-03-10T03:00:00-05:00');
    // 02:30 does not exist that night: the offset in force before the change is used (= 03:30 CDT).
    expect(chicago('202403100230')).toBe('2024-03-10T02:30:00-06:00');
    // 01:30 on 2024-11-03 happens twice: the first (CDT) occurrence.
    expect(chicago('202411030130')).toBe('2024-11-03T01:30:00-05:00');
    expect(chicago('202411030230')).toBe('2024-11-03T02:30:00-06:00');
    // A date alone is never shifted, and an explicit offset wins over the zone.
    expect(chicago('20240310')).toBe('2024-03-10');
    expect(chicago('202403091200+0100')).toBe('2024-03-09T12:00:00+01:00');
  });

  it('handles zones east of UTC, half-hour zones and half-hour DST', () => {
    expect(parseV2DateTime('202410270230', 'Europe/Paris')?.dateTime).toBe('2024-10-27T02:30:00+02:00');
    expect(parseV2DateTime('202407011200', 'Europe/Paris')?.dateTime).toBe('2024-07-01T12:00:00+02:00');
    expect(parseV2DateTime('202401011200', 'Asia/Kolkata')?.dateTime).toBe('2024-01-01T12:00:00+05:30');
    expect(parseV2DateTime('202401011200', 'Australia/Lord_Howe')?.dateTime).toBe('2024-01-01T12:00:00+11:00');
    expect(parseV2DateTime('202407011200', 'Australia/Lord_Howe')?.dateTime).toBe('2024-07-01T12:00:00+10:30');
  });
});
