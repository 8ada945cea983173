/**
 * Billing-period helpers the console needs beyond what the API answers. Period ids are the
 * API's: `YYYY-MM` for a natural period, `YYYY-MM-DD` for one cut short or started late by a
 * change of terms.
 */

/** The id of the natural period before a natural period (`2026-01` → `2025-12`); null for a cut period's id. */
export function previousPeriodId(id: string): string | null {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/** The rollups count in 15-minute buckets: a "same point" is compared on whole buckets. */
export const BUCKET_MS = 15 * 60_000;

/**
 * How far the current period has run at `now`, as [start, start + elapsed) in whole 15-minute
 * buckets (the bucket holding `now` included), and the same span from the last period's start
 * (never past its end) when there is one; null before the period starts.
 */
export function samePointRanges(
  current: { start: string },
  last: { start: string; end: string } | null,
  now: Date,
): { current: { from: string; to: string }; last: { from: string; to: string } | null } | null {
  const curStart = new Date(current.start).getTime();
  // Up to the end of the bucket holding `now`: what was just committed counts (the API widens ranges to buckets anyway).
  if (now.getTime() < curStart) return null;
  const elapsed = (Math.floor((now.getTime() - curStart) / BUCKET_MS) + 1) * BUCKET_MS;
  const span = (start: number, end: number) => ({ from: new Date(start).toISOString(), to: new Date(Math.min(start + elapsed, end)).toISOString() });
  return { current: span(curStart, Number.POSITIVE_INFINITY), last: last ? span(new Date(last.start).getTime(), new Date(last.end).getTime()) : null };
}
