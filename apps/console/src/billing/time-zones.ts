/**
 * Time zones for the finance pages: the IANA names a person picks from, and the labels of
 * usage windows and billing periods as wall-clock time in a chosen zone. Labels are built from
 * Intl parts in a fixed `YYYY-MM-DD HH:mm` shape, so they read the same in every locale (and a
 * test can rebuild them).
 */

/** Old names ICU still lists as canonical, and the IANA names people (and the API) use today. */
const CURRENT_NAMES: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Rangoon': 'Asia/Yangon',
  'Europe/Kiev': 'Europe/Kyiv',
  'America/Godthab': 'America/Nuuk',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Pacific/Truk': 'Pacific/Chuuk',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Louisville': 'America/Kentucky/Louisville',
};

let cached: string[] | null = null;

/** Every zone the browser knows, by its current IANA name, UTC first. */
export function timeZoneNames(): string[] {
  if (cached) return cached;
  let listed: string[] = [];
  try {
    listed = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    listed = [];
  }
  const names = new Set(listed.map((z) => CURRENT_NAMES[z] ?? z));
  names.delete('UTC');
  cached = ['UTC', ...[...names].sort()];
  return cached;
}

/** The zones to offer: every known one, plus `extra` (the tenant's billing zone) when the browser lacks it. */
export function timeZoneOptions(...extra: (string | null | undefined)[]): string[] {
  const all = timeZoneNames();
  const missing = extra.filter((z): z is string => !!z && !all.includes(z));
  return missing.length ? [...new Set([...missing, ...all])] : all;
}

/** True when Intl accepts the zone. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The browser's own zone (by its current IANA name), or UTC. */
export function browserTimeZone(): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone ? (CURRENT_NAMES[zone] ?? zone) : 'UTC';
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

/** `{ year, month, day, hour, minute }` of an instant on the wall clock of `zone`. */
export function wallClock(iso: string, zone: string): { year: string; month: string; day: string; hour: string; minute: string } {
  let f = partFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    partFormats.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { year: parts.year ?? '', month: parts.month ?? '', day: parts.day ?? '', hour: parts.hour ?? '', minute: parts.minute ?? '' };
}

export type UsageWindow = 'hour' | 'day' | 'week' | 'month';

/**
 * A usage window's label in `zone`: `2026-12-15 14:00` (hour), `2026-12-15` (day),
 * `Week of 2026-12-14` (week), `2026-12` (month).
 */
export function windowLabel(startIso: string, window: UsageWindow, zone: string): string {
  const w = wallClock(startIso, zone);
  const date = `${w.year}-${w.month}-${w.day}`;
  switch (window) {
    case 'hour':
      return `${date} ${w.hour}:${w.minute}`;
    case 'day':
      return date;
    case 'week':
      return `Week of ${date}`;
    case 'month':
      return `${w.year}-${w.month}`;
  }
}

/**
 * Every calendar day (`YYYY-MM-DD` in `zone`) from the one containing `from` to the one
 * containing `to`, both included: counted on dates, so a 23- or 25-hour DST day is one day.
 */
export function daysBetween(from: string, to: string, zone: string): string[] {
  const first = windowLabel(from, 'day', zone);
  const last = windowLabel(to, 'day', zone);
  const days: string[] = [];
  const [y, m, d] = first.split('-').map(Number) as [number, number, number];
  for (let i = 0; days.length < 400; i++) {
    const day = new Date(Date.UTC(y, m - 1, d + i)).toISOString().slice(0, 10);
    if (day > last) break;
    days.push(day);
  }
  return days;
}

/** `2026-12-15 14:00` in `zone`. */
export const localDateTime = (iso: string, zone: string): string => windowLabel(iso, 'hour', zone);

/** "2026-12-01 00:00 – 2027-01-01 00:00 (Asia/Kathmandu)" for a [start, end) period. */
export const describePeriod = (period: { start: string; end: string }, zone: string): string =>
  `${localDateTime(period.start, zone)} – ${localDateTime(period.end, zone)} (${zone})`;
