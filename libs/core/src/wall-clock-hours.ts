/** Daily wall-clock hours [from, to) in an IANA zone: 'HH:MM' each; `from` after `to` crosses midnight. */
export interface WallClockHours {
  from: string;
  to: string;
  timezone: string;
}

/** A wall-clock time of day, 00:00–23:59. */
export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of an 'HH:MM' string. */
export function minutesOfDay(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new RangeError('not a time of day HH:MM');
  return Number(m[1]) * 60 + Number(m[2]);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight of `at` on the wall clock of `timezone` (an IANA zone), DST included. */
export function wallClockMinutes(at: Date, timezone: string): number {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' });
    formatters.set(timezone, f);
  }
  const part = (type: 'hour' | 'minute'): number => Number(f.formatToParts(at).find((p) => p.type === type)?.value);
  return part('hour') * 60 + part('minute');
}

/**
 * Whether `at` falls in the hours [from, to) as the zone's wall clock shows them (an alert rule's
 * quiet hours, an HL7 feed's watched hours); a
 * window whose `from` is after its `to` (22:00–07:00) crosses midnight. The clock is the zone's
 * own, so the window follows daylight saving time: on the night clocks go forward, 22:00–07:00
 * is an hour shorter; a window inside the skipped hour never happens that night, one inside the
 * repeated hour happens twice. `from` equal to `to` is an empty window (the API refuses it).
 */
export function inWallClockHours(hours: WallClockHours, at: Date): boolean {
  const from = minutesOfDay(hours.from);
  const to = minutesOfDay(hours.to);
  const now = wallClockMinutes(at, hours.timezone);
  return from < to ? now >= from && now < to : from > to && (now >= from || now < to);
}
