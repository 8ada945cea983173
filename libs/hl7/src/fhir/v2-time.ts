/**
 * HL7 v2 DTM/TS/DT values (`YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`, HL7 v2.5.1 §2.A.22)
 * as FHIR `date`, `dateTime` and `instant`, keeping the precision sent
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-datatype-dtm-to-datetime.html).
 * A time without a UTC offset is read in the dialect's IANA zone; the offset is the one in
 * force at that wall-clock time (DST-correct; for an hour that occurs twice the earlier
 * occurrence, for one skipped by a spring-forward the offset in force before the change).
 */

export interface V2DateTime {
  /** FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (the date as written, never shifted). */
  readonly date: string;
  /** FHIR `dateTime`: the date alone, or date and time to the second with an offset. */
  readonly dateTime: string;
  /** FHIR `instant` when the value has at least an hour; missing minutes/seconds are 00. */
  readonly instant?: string;
}

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parses a DTM/TS/DT value; null when it is not a valid one. Pass non-empty text. */
export function parseV2DateTime(text: string, zone: string): V2DateTime | null {
  const m = DTM.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, offset] = m;
  const year = Number(y);
  if (year < 1) return null;
  if (mo !== undefined && (Number(mo) < 1 || Number(mo) > 12)) return null;
  if (d !== undefined && (Number(d) < 1 || Number(d) > daysInMonth(year, Number(mo)))) return null;
  if (h !== undefined && Number(h) > 23) return null;
  if (mi !== undefined && Number(mi) > 59) return null;
  if (s !== undefined && Number(s) > 59) return null;
  if (offset !== undefined && (Number(offset.slice(1, 3)) > 14 || Number(offset.slice(3)) > 59)) return null;

  const date = d !== undefined ? `${y}-${mo}-${d}` : mo !== undefined ? `${y}-${mo}` : y;
  if (h === undefined || d === undefined) return { date, dateTime: date };
  const time = `${h}:${mi ?? '00'}:${s ?? '00'}${fraction !== undefined ? `.${fraction}` : ''}`;
  let zoneOffset: string;
  if (offset !== undefined) {
    const sign = offset === '-0000' ? '+' : offset[0];
    zoneOffset = `${sign}${offset.slice(1, 3)}:${offset.slice(3)}`;
  } else {
    zoneOffset = formatOffset(offsetForWallClock(zone, year, Number(mo), Number(d), Number(h), Number(mi ?? 0), Number(s ?? 0)));
  }
  if (!/^[+-](0\d|1[0-3]):[0-5]\d$|^[+-]14:00$/.test(zoneOffset)) return null;
  const dateTime = `${date}T${time}${zoneOffset}`;
  return { date, dateTime, instant: dateTime };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds of the wall clock in `zone` at `utcMs`, read as if it were UTC. */
function wallClockMs(zone: string, utcMs: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  let bc = false;
  for (const part of f.formatToParts(utcMs)) {
    if (part.type === 'era') bc = part.value.startsWith('B');
    else if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const t = new Date(Date.UTC(2000, p.month - 1, p.day, p.hour, p.minute, p.second));
  t.setUTCFullYear(bc ? 1 - p.year : p.year);
  return t.getTime();
}

/** UTC offset in minutes of `zone` at instant `utcMs`. */
function offsetAt(zone: string, utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  return Math.round((wallClockMs(zone, whole) - whole) / 60000);
}

/** The offset (minutes) of a wall-clock time in `zone`. */
export function offsetForWallClock(zone: string, year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const asUtc = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  asUtc.setUTCFullYear(year);
  const local = asUtc.getTime();
  // The offsets in force a day either side; a wall-clock time is valid under an offset when
  // that offset is the one in force at the instant it names.
  const before = offsetAt(zone, local - DAY_MS);
  const after = offsetAt(zone, local + DAY_MS);
  const valid = [before, after].filter((o) => offsetAt(zone, local - o * 60000) === o);
  // Both valid: the hour repeated by a backward change; the earlier occurrence has the larger offset.
  if (valid.length > 0) return Math.max(...valid);
  // Neither: an hour skipped by a forward change (or a rare second change within the window).
  const direct = offsetAt(zone, local - before * 60000);
  return offsetAt(zone, local - direct * 60000) === direct ? direct : before;
}

const DAY_MS = 86_400_000;
