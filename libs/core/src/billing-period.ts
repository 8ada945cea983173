/**
 * Billing periods in a tenant's own timezone. Pure (Intl only, no packages, no I/O), so the
 * rollup, the invoices, the alerts and the console all cut time the same way.
 *
 * A natural period starts at local 00:00 of the anchor day (clamped to the month's length:
 * anchor 31 in February starts on the 28th or 29th) and ends where the next one starts.
 * Membership is by commit time, start inclusive, end exclusive.
 *
 * DST: when local 00:00 of the anchor day does not exist (a zone that springs forward at
 * midnight, e.g. America/Santiago or Asia/Beirut), the period starts at the FIRST instant whose
 * local time is at or after that midnight, i.e. the transition itself (local 01:00). When it
 * exists twice (a fall-back at midnight), the first occurrence is the start.
 */

/** How a tenant's time is cut into periods: an IANA zone and the day of month a period starts. */
export interface BillingSchedule {
  timezone: string;
  /** 1..31, clamped to the month's length. */
  anchorDay: number;
}

/** One row of a tenant's append-only history of billing terms: the schedule and when it takes effect. */
export interface BillingTermsLike extends BillingSchedule {
  effectiveFrom: Date;
}

/** A billing period `[start, end)` and its id (`YYYY-MM` natural, `YYYY-MM-DD` cut by a change of terms). */
export interface BillingPeriod {
  id: string;
  start: Date;
  end: Date;
}

/** The schedule of a tenant with no billing terms yet: calendar months in UTC. */
export const DEFAULT_BILLING_SCHEDULE: BillingSchedule = Object.freeze({ timezone: 'UTC', anchorDay: 1 });

/** The IANA areas a region zone name starts with (`Etc/` covers `Etc/UTC`, `Etc/GMT+5`). */
const IANA_AREAS = new Set(['Africa', 'America', 'Antarctica', 'Arctic', 'Asia', 'Atlantic', 'Australia', 'Europe', 'Indian', 'Pacific', 'Etc']);
const ZONE_NAME = /^[A-Z][A-Za-z]*(\/[A-Z][A-Za-z0-9_+-]*)+$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * Whether `tz` is an IANA zone a tenant may bill in: `UTC`, or an `Area/Location` name in its
 * canonical spelling that this runtime's Intl knows (`Asia/Kathmandu`, `Etc/UTC`). Offsets
 * (`+05:00`), legacy names without an area (`EST5EDT`, `GMT`), backward links outside the
 * areas (`US/Eastern`) and lower-case spellings are refused, so stored zones stay unambiguous.
 */
export function isIanaTimeZone(tz: string): boolean {
  if (typeof tz !== 'string') return false;
  if (tz !== 'UTC') {
    if (!ZONE_NAME.test(tz) || !IANA_AREAS.has(tz.slice(0, tz.indexOf('/')))) return false;
  }
  try {
    formatterOf(tz);
    return true;
  } catch {
    return false;
  }
}

/** A wall-clock time in some zone (month 1..12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time (to the second) that `instant` shows in `timezone`. */
export function wallTimeOf(instant: Date, timezone: string): WallTime {
  const out: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterOf(timezone).formatToParts(instant)) {
    if (part.type in out) out[part.type as keyof WallTime] = Number(part.value);
  }
  return out;
}

/** A wall time as if it were UTC, in ms (handles any year/month overflow like Date.UTC). */
function wallMs(w: Pick<WallTime, 'year' | 'month' | 'day'> & Partial<WallTime>): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0);
}

/** The zone's offset from UTC at `ms` (whole seconds), in ms. */
function offsetAt(ms: number, timezone: string): number {
  const floored = Math.floor(ms / 1000) * 1000;
  return wallMs(wallTimeOf(new Date(floored), timezone)) - floored;
}

/**
 * The first instant whose local time in `timezone` is at or after the given wall time: the
 * wall time itself when it exists once, its first occurrence in a fall-back overlap, and the
 * transition instant when it falls in a spring-forward gap.
 */
export function instantOfWallTime(wall: Pick<WallTime, 'year' | 'month' | 'day'> & Partial<WallTime>, timezone: string): Date {
  const target = wallMs(wall);
  const day = 86_400_000;
  const offsets = new Set([offsetAt(target - day, timezone), offsetAt(target, timezone), offsetAt(target + day, timezone)]);
  let best: number | null = null;
  for (const offset of offsets) {
    const t = target - offset;
    if (offsetAt(t, timezone) === offset && (best === null || t < best)) best = t;
  }
  if (best !== null) return new Date(best);
  // A gap: local time jumps over `target`. Find the transition between the two offsets.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = target - sorted[sorted.length - 1]; // local time < target here
  let hi = target - sorted[0]; // local time >= target here
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (mid + offsetAt(mid, timezone) >= target) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Normalises (year, month) where month may be 0 or 13. */
function addMonths(year: number, month: number, delta: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

const boundaries = new Map<string, number>();
/** The last natural period computed per schedule: consecutive events almost always fall in it. */
const lastNatural = new Map<string, { id: string; start: number; end: number }>();
const MAX_CACHED = 50_000;

/** The start of the natural period of (year, month) under the schedule, cached (the rollup calls this per event). */
function boundaryMs(year: number, month: number, schedule: BillingSchedule): number {
  const key = `${schedule.timezone}|${schedule.anchorDay}|${year}|${month}`;
  let ms = boundaries.get(key);
  if (ms === undefined) {
    const day = Math.min(schedule.anchorDay, daysInMonth(year, month));
    ms = instantOfWallTime({ year, month, day }, schedule.timezone).getTime();
    if (boundaries.size >= MAX_CACHED) boundaries.clear();
    boundaries.set(key, ms);
  }
  return ms;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function assertSchedule(schedule: BillingSchedule): void {
  if (!Number.isInteger(schedule.anchorDay) || schedule.anchorDay < 1 || schedule.anchorDay > 31) {
    throw new RangeError(`anchorDay must be an integer 1..31, got ${schedule.anchorDay}`);
  }
  if (!isIanaTimeZone(schedule.timezone)) throw new RangeError(`not an IANA time zone: ${schedule.timezone}`);
}

/** The natural period containing `instant` under one schedule (no change of terms), id `YYYY-MM`. */
export function naturalPeriodOf(instant: Date, schedule: BillingSchedule): BillingPeriod {
  assertSchedule(schedule);
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new RangeError('invalid instant');
  const scheduleKey = `${schedule.timezone}|${schedule.anchorDay}`;
  const recent = lastNatural.get(scheduleKey);
  if (recent && t >= recent.start && t < recent.end) return { id: recent.id, start: new Date(recent.start), end: new Date(recent.end) };
  const local = wallTimeOf(instant, schedule.timezone);
  let ym = { year: local.year, month: local.month };
  // The local date picks a first guess; a fall-back at midnight can move the local date back, so step until it fits.
  while (t < boundaryMs(ym.year, ym.month, schedule)) ym = addMonths(ym.year, ym.month, -1);
  let next = addMonths(ym.year, ym.month, 1);
  while (t >= boundaryMs(next.year, next.month, schedule)) {
    ym = next;
    next = addMonths(ym.year, ym.month, 1);
  }
  const found = { id: `${pad(ym.year, 4)}-${pad(ym.month)}`, start: boundaryMs(ym.year, ym.month, schedule), end: boundaryMs(next.year, next.month, schedule) };
  if (lastNatural.size >= MAX_CACHED) lastNatural.clear();
  lastNatural.set(scheduleKey, found);
  return { id: found.id, start: new Date(found.start), end: new Date(found.end) };
}

/** History sorted by effectiveFrom; of rows with the same effectiveFrom the last one given wins. */
function sortedTerms<T extends BillingTermsLike>(history: readonly T[]): T[] {
  const byTime = new Map<number, T>();
  for (const terms of history) byTime.set(terms.effectiveFrom.getTime(), terms);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, terms]) => terms);
}

function localDateId(ms: number, timezone: string): string {
  const w = wallTimeOf(new Date(ms), timezone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

function localMinuteId(ms: number, timezone: string): string {
  const w = wallTimeOf(new Date(ms), timezone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

function periodAt<T extends BillingTermsLike>(sorted: readonly T[], t: number): BillingPeriod & { terms: T | null } {
  let index = -1;
  for (let i = 0; i < sorted.length && sorted[i].effectiveFrom.getTime() <= t; i++) index = i;
  const terms = index >= 0 ? sorted[index] : null;
  const schedule: BillingSchedule = terms ?? DEFAULT_BILLING_SCHEDULE;
  const natural = naturalPeriodOf(new Date(t), schedule);
  let start = natural.start.getTime();
  let end = natural.end.getTime();
  if (terms) start = Math.max(start, terms.effectiveFrom.getTime());
  const following = sorted[index + 1];
  if (following) end = Math.min(end, following.effectiveFrom.getTime());
  let id = natural.id;
  if (start !== natural.start.getTime() || end !== natural.end.getTime()) id = localDateId(start, schedule.timezone);
  // A period that starts exactly where other terms end may, across timezones, share its id with
  // the period before it; it then takes the next more precise form so ids stay unique.
  if (terms && start === terms.effectiveFrom.getTime()) {
    const previousId = periodAt(sorted, start - 1).id;
    if (previousId === id) id = localDateId(start, schedule.timezone);
    if (previousId === id) id = localMinuteId(start, schedule.timezone);
  }
  return { id, start: new Date(start), end: new Date(end), terms };
}

/**
 * The period containing `instant` under a tenant's history of terms (any order): terms in
 * force = latest effectiveFrom <= instant (none: DEFAULT schedule, terms null); the natural
 * period is cut at the effectiveFrom boundaries around it. Rows with equal effectiveFrom: the
 * last one in `history` wins (pass rows in insertion order).
 *
 * Ids: `YYYY-MM` for a natural period; `YYYY-MM-DD` (local start date) for one cut short or
 * started late by a change of terms. In the rare case where a period starting at a change of
 * terms would repeat the id of the period before it (two changes on one local day, or a
 * timezone change that puts two starts in the same local month), it takes the next more
 * precise form (`YYYY-MM-DD`, then `YYYY-MM-DDTHH:mm`), so ids are unique per tenant.
 */
export function billingPeriodAt<T extends BillingTermsLike>(history: readonly T[], instant: Date): BillingPeriod & { terms: T | null } {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new RangeError('invalid instant');
  return periodAt(sortedTerms(history), t);
}

const MONTH_ID = /^(\d{4})-(\d{2})$/;
const DATE_ID = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTE_ID = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Whether a string has the shape of a period id (it may still name no period). */
export function isBillingPeriodId(id: string): boolean {
  return MONTH_ID.test(id) || DATE_ID.test(id) || MINUTE_ID.test(id);
}

/** The period with that id (a period that has terms wins over a termless one), or null. */
export function billingPeriodById<T extends BillingTermsLike>(history: readonly T[], id: string): (BillingPeriod & { terms: T | null }) | null {
  const m = MONTH_ID.exec(id) ?? DATE_ID.exec(id) ?? MINUTE_ID.exec(id);
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map((s) => (s === undefined ? undefined : Number(s)));
  if (month === undefined || month < 1 || month > 12) return null;
  if (day !== undefined && (day < 1 || day > daysInMonth(year ?? 0, month))) return null;
  if ((hour ?? 0) > 23 || (minute ?? 0) > 59) return null;
  const sorted = sortedTerms(history);
  const schedules: BillingSchedule[] = [DEFAULT_BILLING_SCHEDULE, ...sorted];
  const candidates = new Set<number>(sorted.map((terms) => terms.effectiveFrom.getTime()));
  for (const schedule of schedules) {
    if (day === undefined) candidates.add(boundaryMs(year ?? 0, month, schedule));
    else candidates.add(instantOfWallTime({ year: year ?? 0, month, day, hour, minute }, schedule.timezone).getTime());
  }
  let found: (BillingPeriod & { terms: T | null }) | null = null;
  for (const t of candidates) {
    const period = periodAt(sorted, t);
    if (period.id === id && (found === null || (found.terms === null && period.terms !== null))) found = period;
  }
  return found;
}

/** The period just before `period` under the same history (for "compared with last period"). */
export function previousBillingPeriod<T extends BillingTermsLike>(history: readonly T[], period: BillingPeriod): BillingPeriod & { terms: T | null } {
  return billingPeriodAt(history, new Date(period.start.getTime() - 1));
}

/** The period just after `period` under the same history (where a post-close correction lands). */
export function nextBillingPeriod<T extends BillingTermsLike>(history: readonly T[], period: BillingPeriod): BillingPeriod & { terms: T | null } {
  return billingPeriodAt(history, period.end);
}

/**
 * "The same point of the last period": the instant as far into the previous period as
 * `instant` is into its own (elapsed time, clamped to the previous period's end), for a
 * spend-to-date comparison.
 */
export function samePointOfPreviousPeriod<T extends BillingTermsLike>(history: readonly T[], instant: Date): { period: BillingPeriod & { terms: T | null }; at: Date } {
  const current = billingPeriodAt(history, instant);
  const previous = previousBillingPeriod(history, current);
  const elapsed = instant.getTime() - current.start.getTime();
  return { period: previous, at: new Date(Math.min(previous.start.getTime() + elapsed, previous.end.getTime())) };
}
