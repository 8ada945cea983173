import {
  fixedOffsetZone,
  formatAthenaDate,
  formatInZone,
  ianaZone,
  offsetMinutesAt,
  parseAthenaDate,
  parseEasternDateTime,
  parseDateOrEasternDateTime,
  parseIsoWithOffset,
  parseLocalDateTime,
  resolveDateTime,
  zonedToEpochMs,
} from './athena-time';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('athena zones', () => {
  it('translates legacy US/ names and refuses unknown ones', () => {
    expect(ianaZone('US/Eastern')).toBe('America/New_York');
    expect(ianaZone('US/Central')).toBe('America/Chicago');
    expect(ianaZone('America/Denver')).toBe('America/Denver');
    expect(ianaZone('Mars/Olympus_Mons')).toBeUndefined();
    expect(ianaZone(undefined)).toBeUndefined();
  });

  it('builds fixed-offset zones for whole-hour offsets only', () => {
    expect(fixedOffsetZone(-5)).toBe('Etc/GMT+5');
    expect(offsetMinutesAt(Date.UTC(2024, 6, 1), fixedOffsetZone(-7) as string)).toBe(-420);
    expect(fixedOffsetZone(-5.5)).toBeUndefined();
  });
});

describe('wall clock → instant across DST (America/New_York, 2024-03-10 and 2024-11-03)', () => {
  const ny = 'America/New_York';

  it('uses EST before and EDT after the spring change', () => {
    expect(iso(zonedToEpochMs('2024-03-10', '01:30', ny))).toBe('2024-03-10T06:30:00.000Z');
    expect(iso(zonedToEpochMs('2024-03-10', '03:30', ny))).toBe('2024-03-10T07:30:00.000Z');
    expect(iso(zonedToEpochMs('2024-03-11', '09:00', ny))).toBe('2024-03-11T13:00:00.000Z');
  });

  it('moves a time in the skipped hour forward by the gap', () => {
    const t = zonedToEpochMs('2024-03-10', '02:30', ny);
    expect(iso(t)).toBe('2024-03-10T07:30:00.000Z');
    expect(formatInZone(t, ny)).toBe('2024-03-10T03:30:00-04:00');
  });

  it('takes the first occurrence of the repeated hour in autumn', () => {
    expect(iso(zonedToEpochMs('2024-11-03', '01:30', ny))).toBe('2024-11-03T05:30:00.000Z');
    expect(iso(zonedToEpochMs('2024-11-03', '02:30', ny))).toBe('2024-11-03T07:30:00.000Z');
  });

  it('formats with the offset in force at the instant', () => {
    expect(formatInZone(Date.UTC(2024, 0, 15, 15), 'America/Chicago')).toBe('2024-01-15T09:00:00-06:00');
    expect(formatInZone(Date.UTC(2024, 6, 15, 15), 'America/Chicago')).toBe('2024-07-15T10:00:00-05:00');
    expect(formatInZone(Date.UTC(2024, 6, 15, 15), 'America/Phoenix')).toBe('2024-07-15T08:00:00-07:00');
  });

  it('formats a date back in athena form in the zone (the UTC date may differ)', () => {
    expect(formatAthenaDate(Date.UTC(2024, 6, 2, 2), 'America/Los_Angeles')).toBe('07/01/2024');
  });
});

describe('athena date parsers', () => {
  it('reads MM/DD/YYYY and refuses impossible dates', () => {
    expect(parseAthenaDate('01/15/1985')).toBe('1985-01-15');
    expect(parseAthenaDate('2/9/2020')).toBe('2020-02-09');
    expect(parseAthenaDate('2020-02-09')).toBe('2020-02-09');
    expect(parseAthenaDate('02/30/2020')).toBeUndefined();
    expect(parseAthenaDate('13/01/2020')).toBeUndefined();
    expect(parseAthenaDate('yesterday')).toBeUndefined();
  });

  it('reads server stamps as US Eastern (EDT in June, EST in January)', () => {
    expect(parseEasternDateTime('06/01/2020 20:17:46')).toBe('2020-06-01T20:17:46-04:00');
    expect(parseEasternDateTime('01/11/2021 17:03:05')).toBe('2021-01-11T17:03:05-05:00');
    expect(parseEasternDateTime('2021-01-11T17:03:05-05:00')).toBe('2021-01-11T17:03:05-05:00');
    expect(parseEasternDateTime('06/01/2020')).toBeUndefined();
  });

  it('keeps ISO offsets as sent and normalizes their spelling', () => {
    expect(parseIsoWithOffset('2018-11-26T09:30:00-05:00')).toBe('2018-11-26T09:30:00-05:00');
    expect(parseIsoWithOffset('2018-11-26T09:30-0500')).toBe('2018-11-26T09:30:00-05:00');
    expect(parseIsoWithOffset('2018-11-26T09:30:00.123Z')).toBe('2018-11-26T09:30:00Z');
    expect(parseIsoWithOffset('2018-11-26T09:30:00')).toBeUndefined();
  });

  it('reads clinical dates as dates and clinical date-times as Eastern server time', () => {
    expect(parseDateOrEasternDateTime('08/10/2023')).toBe('2023-08-10');
    expect(parseDateOrEasternDateTime('08/10/2023 14:59:00')).toBe('2023-08-10T14:59:00-04:00');
    expect(parseDateOrEasternDateTime('2023-08-10T14:59:00-05:00')).toBe('2023-08-10T14:59:00-05:00');
    expect(parseDateOrEasternDateTime('08/10/2023 2:59 PM')).toBeUndefined();
  });

  it('keeps department wall-clock values until their zone is known', () => {
    expect(parseLocalDateTime('08/10/2023 14:59:00')).toBe('2023-08-10T14:59:00');
    expect(resolveDateTime('2023-08-10T14:59:00', 'America/Chicago')).toBe('2023-08-10T14:59:00-05:00');
    expect(resolveDateTime('2023-08-10T14:59:00', undefined)).toBe('2023-08-10');
    expect(resolveDateTime('2023-08-10', 'America/Chicago')).toBe('2023-08-10');
    expect(resolveDateTime('2023-08-10T14:59:00Z', 'America/Chicago')).toBe('2023-08-10T14:59:00Z');
  });
});
