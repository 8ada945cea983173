/**
 * Dates and times as athenaOne sends them, and their conversion to FHIR
 * (https://hl7.org/fhir/R4/datatypes.html#dateTime). athena mixes four forms
 * (/work/shared/notes/athena.md §12.2):
 * - `MM/DD/YYYY` dates (dob, problem and allergy dates, readingtaken…);
 * - `MM/DD/YYYY HH:mm:ss` date-times, athena's server time in US Eastern (appointment
 *   `scheduleddatetime`, `cancelleddatetime`, `lastmodified`; `createddatetime`, `labresultdatetime`…);
 * - a department-local `date` + `starttime` (`HH:mm`) on appointments and slots, whose zone is the
 *   department's `timezonename` (IANA, or legacy `US/Eastern`-style names);
 * - ISO-8601 with an offset on newer fields (`lastmodifieddatetime`, `appointmentstartdate`).
 * Zone arithmetic uses Intl only, and is DST-correct: a local time that does not exist (the hour
 * skipped in spring) moves forward by the gap, an ambiguous one (the hour repeated in autumn) is
 * the first occurrence — Temporal's `compatible` disambiguation.
 */

/** athena's server zone: the one its `MM/DD/YYYY HH:mm:ss` stamps and change-feed replay windows use. */
export const ATHENA_SERVER_ZONE = 'America/New_York';

/** Legacy `US/…` names athena's departments carry, to their canonical IANA zones (Intl may lack the links). */
const LEGACY_ZONES: Readonly<Record<string, string>> = {
  'US/Eastern': 'America/New_York',
  'US/Central': 'America/Chicago',
  'US/Mountain': 'America/Denver',
  'US/Pacific': 'America/Los_Angeles',
  'US/Arizona': 'America/Phoenix',
  'US/Alaska': 'America/Anchorage',
  'US/Hawaii': 'Pacific/Honolulu',
  'US/Aleutian': 'America/Adak',
  'US/East-Indiana': 'America/Indiana/Indianapolis',
  'US/Indiana-Starke': 'America/Indiana/Knox',
  'US/Michigan': 'America/Detroit',
  'US/Samoa': 'Pacific/Pago_Pago',
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The IANA zone for a department's `timezonename` (`US/Central`, `America/Chicago`…), or
 * undefined when Intl does not know it. Legacy `US/…` names are translated first.
 */
export function ianaZone(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const zone = LEGACY_ZONES[name.trim()] ?? name.trim();
  try {
    formatterFor(zone);
    return zone;
  } catch {
    return undefined;
  }
}

/** A fixed-offset zone (`Etc/GMT+5` is UTC−5) for a whole-hour offset in hours, else undefined. */
export function fixedOffsetZone(offsetHours: number | undefined): string | undefined {
  if (offsetHours === undefined || !Number.isInteger(offsetHours) || Math.abs(offsetHours) > 14) return undefined;
  if (offsetHours === 0) return 'Etc/UTC';
  return `Etc/GMT${offsetHours < 0 ? '+' : '-'}${Math.abs(offsetHours)}`;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(epochMs: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The zone's UTC offset in minutes at an instant (−240 for New York in summer). */
export function offsetMinutesAt(epochMs: number, zone: string): number {
  const w = wallClockAt(epochMs, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60000);
}

const DAY_MS = 86_400_000;

/**
 * The instant of a wall-clock time in a zone. `date` is `YYYY-MM-DD`, `time` `HH:mm` or `HH:mm:ss`.
 * Gaps (spring forward) resolve forward by the gap; repeated hours (fall back) to the first occurrence.
 */
export function zonedToEpochMs(date: string, time: string, zone: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi, s] = time.split(':').map(Number);
  const localMs = Date.UTC(y, mo - 1, d, h, mi, s || 0);
  const before = offsetMinutesAt(localMs - DAY_MS, zone);
  const after = offsetMinutesAt(localMs + DAY_MS, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => localMs - offset * 60000)
    .filter((t) => t + offsetMinutesAt(t, zone) * 60000 === localMs)
    .sort((a, b) => a - b);
  // No candidate: the wall time falls in a gap; reading it with the earlier offset moves it forward by the gap.
  return candidates[0] ?? localMs - before * 60000;
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/** An instant as FHIR dateTime in the zone's local time with its offset: `2024-03-10T03:30:00-04:00`. */
export function formatInZone(epochMs: number, zone: string): string {
  const w = wallClockAt(epochMs, zone);
  const offset = offsetMinutesAt(epochMs, zone);
  const sign = offset < 0 ? '-' : '+';
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a zone. */
export function dateInZone(epochMs: number, zone: string): string {
  return formatInZone(epochMs, zone).slice(0, 10);
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1800 || year > 2200 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `MM/DD/YYYY` (athena) or `YYYY-MM-DD` → `YYYY-MM-DD`; undefined when it is not a real calendar date. */
export function parseAthenaDate(text: string): string | undefined {
  const us = US_DATE.exec(text.trim());
  const iso = us ? undefined : ISO_DATE.exec(text.trim());
  const [year, month, day] = us ? [Number(us[3]), Number(us[1]), Number(us[2])] : iso ? [Number(iso[1]), Number(iso[2]), Number(iso[3])] : [NaN, NaN, NaN];
  if (!isCalendarDate(year, month, day)) return undefined;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** `HH:mm` or `HH:mm:ss` (24 h) → `HH:mm:ss`; undefined when out of range. */
export function parseAthenaTime(text: string): string | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return `${pad(h)}:${pad(mi)}:${pad(s)}`;
}

const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** ISO-8601 with an offset (`2021-01-11T17:03:05-05:00`, `…Z`) → FHIR dateTime keeping the sender's offset. */
export function parseIsoWithOffset(text: string): string | undefined {
  const m = ISO_WITH_OFFSET.exec(text.trim());
  if (!m) return undefined;
  const date = parseAthenaDate(m[1]);
  const time = parseAthenaTime(m[2]);
  if (!date || !time) return undefined;
  const zone = m[3] === 'Z' ? 'Z' : m[3].includes(':') ? m[3] : `${m[3].slice(0, 3)}:${m[3].slice(3)}`;
  if (zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(4)) > 59)) return undefined;
  return `${date}T${time}${zone === '-00:00' ? '+00:00' : zone}`;
}

/** A date-time without a zone: `MM/DD/YYYY HH:mm[:ss]` → `YYYY-MM-DDTHH:mm:ss` (wall clock; the caller knows its zone). */
export function parseLocalDateTime(text: string): string | undefined {
  const [datePart, timePart, ...rest] = text.trim().split(/\s+/);
  if (rest.length || !datePart || !timePart) return undefined;
  const date = parseAthenaDate(datePart);
  const time = parseAthenaTime(timePart);
  return date && time ? `${date}T${time}` : undefined;
}

/** An athena server stamp (`MM/DD/YYYY HH:mm:ss` in US Eastern, or ISO with offset) → dateTime with offset. */
export function parseEasternDateTime(text: string): string | undefined {
  const zoned = parseIsoWithOffset(text);
  if (zoned) return zoned;
  const local = parseLocalDateTime(text);
  return local ? formatInZone(zonedToEpochMs(local.slice(0, 10), local.slice(11), ATHENA_SERVER_ZONE), ATHENA_SERVER_ZONE) : undefined;
}

/**
 * A clinical date or date-time field (`readingtaken`, `labresultdatetime`, `analytedate`…): a date stays
 * a date (`YYYY-MM-DD`); `MM/DD/YYYY HH:mm:ss` is athena's server time (US Eastern, like every athena
 * stamp of that form); ISO keeps its offset.
 */
export function parseDateOrEasternDateTime(text: string): string | undefined {
  return parseEasternDateTime(text) ?? parseAthenaDate(text);
}

/**
 * FHIR dateTime for a date, a dateTime with offset, or a department wall-clock value
 * (`YYYY-MM-DDTHH:mm:ss`): offsets are kept, a wall-clock value is placed in `zone` — or reduced to
 * its date when the zone is unknown (a date is true; a guessed instant is not).
 */
export function resolveDateTime(value: string, zone: string | undefined): string {
  if (value.length === 10 || /(Z|[+-]\d{2}:\d{2})$/.test(value)) return value;
  if (!zone) return value.slice(0, 10);
  return formatInZone(zonedToEpochMs(value.slice(0, 10), value.slice(11), zone), zone);
}

/** A dateTime with an offset → instant (milliseconds since the epoch). */
export const epochMsOf = (dateTime: string): number => Date.parse(dateTime);

/** `Date` → `MM/DD/YYYY` in a zone (athena's form for dates sent back to it). */
export function formatAthenaDate(epochMs: number, zone: string): string {
  const [y, m, d] = dateInZone(epochMs, zone).split('-');
  return `${m}/${d}/${y}`;
}

/** `Date` → `HH:mm` in a zone. */
export function formatAthenaTime(epochMs: number, zone: string): string {
  return formatInZone(epochMs, zone).slice(11, 16);
}
