/**
 * athena's clock formats: dates as MM/DD/YYYY, times as HH:mm (24 h), and
 * "datetimes" as MM/DD/YYYY HH:mm:ss — each in a stated zone: the
 * department's for appointment dates and times, US Eastern for the
 * changed-feed windows and for scheduled/cancelled/lastmodified stamps.
 * Zone arithmetic goes through Intl, so daylight saving is handled.
 */

export const EASTERN = 'America/New_York';

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

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

const utcOf = (w: WallTime): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

function intlWallTime(ms: number, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year as number, month: parts.month as number, day: parts.day as number, hour: (parts.hour as number) % 24, minute: parts.minute as number, second: parts.second as number };
}

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;
/** (zone, UTC day) → the offset for the whole day, or null when it changes that day. */
const dayOffsets = new Map<string, number | null>();
/** (zone, quarter hour) → offset, for days with a transition (offsets change on quarter hours). */
const quarterOffsets = new Map<string, number>();

const intlOffset = (ms: number, zone: string): number => utcOf(intlWallTime(ms, zone)) - ms;

function remember<V>(map: Map<string, V>, key: string, compute: () => V): V {
  if (map.has(key)) return map.get(key) as V;
  if (map.size > 50_000) map.clear();
  const value = compute();
  map.set(key, value);
  return value;
}

/** The zone's offset from UTC at an instant, in ms (−5 h → −18 000 000). Intl is asked about twice per zone and day. */
export function offsetMs(ms: number, zone: string): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const whole = remember(dayOffsets, `${zone}|${day}`, () => {
    const start = intlOffset(day, zone);
    return start === intlOffset(day + DAY_MS - QUARTER_HOUR_MS, zone) ? start : null;
  });
  if (whole !== null) return whole;
  const quarter = Math.floor(ms / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  return remember(quarterOffsets, `${zone}|${quarter}`, () => intlOffset(quarter, zone));
}

/** The wall-clock reading of an instant in a zone. */
export function wallTime(ms: number, zone: string): WallTime {
  const d = new Date(Math.floor(ms / 1000) * 1000 + offsetMs(ms, zone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/**
 * The instant a wall-clock reading names in a zone. A time skipped by a
 * spring-forward resolves to the instant after the gap; a repeated one to
 * its first occurrence.
 */
export function instantOf(w: WallTime, zone: string): number {
  const target = utcOf(w);
  // The zone's offsets a day either side cover any transition near the reading.
  const candidates = [offsetMs(target - 86_400_000, zone), offsetMs(target + 86_400_000, zone)].map((offset) => target - offset);
  const matching = candidates.filter((c) => utcOf(wallTime(c, zone)) === target);
  return matching.length > 0 ? Math.min(...matching) : Math.max(...candidates);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** MM/DD/YYYY in the zone. */
export const usDate = (ms: number, zone: string): string => {
  const w = wallTime(ms, zone);
  return `${pad(w.month)}/${pad(w.day)}/${pad(w.year, 4)}`;
};

/** HH:mm in the zone. */
export const usTime = (ms: number, zone: string): string => {
  const w = wallTime(ms, zone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
};

/** MM/DD/YYYY HH:mm:ss in the zone. */
export const usDateTime = (ms: number, zone: string): string => {
  const w = wallTime(ms, zone);
  return `${usDate(ms, zone)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
};

/** ISO 8601 with the zone's offset, as athena's newer *datetime fields: 2021-01-11T17:03:05-05:00. */
export function isoWithOffset(ms: number, zone: string): string {
  const w = wallTime(ms, zone);
  const offsetMinutes = Math.round(offsetMs(ms, zone) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** YYYY-MM-DD (a dataset date) as MM/DD/YYYY. */
export const usFromIsoDate = (iso: string): string => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;

const validDay = (year: number, month: number, day: number): boolean => {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
};

/** A strict MM/DD/YYYY date (athena refuses anything else), as a midnight wall time. */
export function parseUsDate(text: string | undefined): WallTime | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text ?? '');
  if (!m) return undefined;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDay(year, month, day) ? { year, month, day, hour: 0, minute: 0, second: 0 } : undefined;
}

/** MM/DD/YYYY HH:mm:ss (seconds optional), as a wall time. */
export function parseUsDateTime(text: string | undefined): WallTime | undefined {
  const m = /^(\d{2}\/\d{2}\/\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec((text ?? '').trim());
  if (!m) return undefined;
  const date = parseUsDate(m[1]);
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4] ?? '0')];
  if (!date || hour > 23 || minute > 59 || second > 59) return undefined;
  return { ...date, hour, minute, second };
}

/** Days since the epoch of a wall date (for inclusive date-range comparisons). */
export const dayNumber = (w: Pick<WallTime, 'year' | 'month' | 'day'>): number => Date.UTC(w.year, w.month - 1, w.day) / 86_400_000;
