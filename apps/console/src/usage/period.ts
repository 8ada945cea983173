/**
 * Usage periods, all in whole UTC days (the API meters in UTC): `from` is
 * inclusive, `to` exclusive, both ISO timestamps so they make stable query keys.
 */

export type PeriodKind = 'this-month' | 'last-month' | 'last-7' | 'last-30' | 'custom';

export const PERIOD_OPTIONS: readonly { value: PeriodKind; label: string }[] = [
  { value: 'this-month', label: 'This month' },
  { value: 'last-month', label: 'Last month' },
  { value: 'last-7', label: 'Last 7 days' },
  { value: 'last-30', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom range' },
];

export interface Range {
  from: string;
  to: string;
}

const DAY = 86_400_000;
const startOfDay = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * DAY);

/** `YYYY-MM-DD` of a UTC instant. */
export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

/** Parses a `YYYY-MM-DD` day (as `<input type="date">` gives it) to its UTC midnight; null when invalid. */
export function parseDay(day: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const d = new Date(`${day}T00:00:00.000Z`);
  return Number.isNaN(d.getTime()) || isoDate(d) !== day ? null : d;
}

/** The range of a preset period, relative to `now`. */
export function presetRange(kind: Exclude<PeriodKind, 'custom'>, now: Date = new Date()): Range {
  const today = startOfDay(now);
  const tomorrow = addDays(today, 1);
  const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  switch (kind) {
    case 'this-month':
      return { from: monthStart.toISOString(), to: tomorrow.toISOString() };
    case 'last-month':
      return { from: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)).toISOString(), to: monthStart.toISOString() };
    case 'last-7':
      return { from: addDays(today, -6).toISOString(), to: tomorrow.toISOString() };
    case 'last-30':
      return { from: addDays(today, -29).toISOString(), to: tomorrow.toISOString() };
  }
}

/** A custom range from two inclusive days; a message instead when they do not make one. */
export function customRange(fromDay: string, toDay: string): Range | { error: string } {
  const from = parseDay(fromDay);
  const to = parseDay(toDay);
  if (!from || !to) return { error: 'Pick both a first and a last day' };
  if (to < from) return { error: 'The last day is before the first' };
  // The API answers at most 366 days per query.
  if ((to.getTime() - from.getTime()) / DAY + 1 > 366) return { error: 'Pick at most 366 days' };
  return { from: from.toISOString(), to: addDays(to, 1).toISOString() };
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** "1 Dec 2026 – 31 Dec 2026" for a [from, to) range (the last day shown is the one before `to`). */
export function describeRange(range: Range): string {
  const first = new Date(range.from);
  const last = addDays(new Date(range.to), -1);
  return `${dayFormat.format(first)} – ${dayFormat.format(last)}`;
}

/** The inclusive first and last day of a range, as `YYYY-MM-DD` (to seed the custom inputs). */
export const rangeDays = (range: Range): { first: string; last: string } => ({
  first: isoDate(new Date(range.from)),
  last: isoDate(addDays(new Date(range.to), -1)),
});
